# Status codes become exceptions: every wrapped call goes through `check`.

"""
    RnnwfError(status, message)

A failed rnnwf call: `status` is the `RNNWF_ERR_*` code, `message` the library's explanation
(it names the C function and the argument or value at fault).
"""
struct RnnwfError <: Exception
    status::Int32
    message::String
end

function Base.showerror(io::IO, e::RnnwfError)
    print(io, "RnnwfError(", status_name(e.status), "): ", e.message)
end

"""
    status_name(status)

The name of a status code, e.g. `"RNNWF_ERR_BUFFER_SIZE"`.
"""
# fatou-ignore discouraged-function: the library returns static strings
status_name(status::Integer) = unsafe_string(rnnwf_status_name(Int32(status)))

"""
    last_error()

The message of this thread's last failed call (`""` if none).
"""
function last_error()
    len = rnnwf_last_error(C_NULL, 0)
    buf = Vector{UInt8}(undef, len + 1)
    rnnwf_last_error(buf, length(buf))
    return String(buf[1:len])
end

"""
    check(status)

Throws `RnnwfError(status, last_error())` unless `status == RNNWF_OK`.
"""
function check(status::Integer)
    status == RNNWF_OK || throw(RnnwfError(status, last_error()))
    return nothing
end

# A size mismatch found on the Julia side, reported as the C API would report it.
buffer_size_error(message::AbstractString) = throw(RnnwfError(RNNWF_ERR_BUFFER_SIZE, message))

"""
    set_num_threads(n)

Sets the threads every later call in this process uses (0: all cores). Results never depend
on it.
"""
set_num_threads(n::Integer) = check(rnnwf_set_num_threads(UInt32(n)))
