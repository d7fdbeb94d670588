# Finding librnnwf: the path in the environment variable RNNWF_LIB, else the SONAME on the
# loader's search path. Resolved when the first call needs it, in the running process, never
# at precompile time; the loaded library must have the ABI this package was generated for.

const SONAME = "librnnwf.so.0.$(RNNWF_ABI_VERSION)"
const LIB_HANDLE = Ref{Ptr{Cvoid}}(C_NULL)
const LIB_LOCK = ReentrantLock()

function __init__()
    # A handle saved by precompilation belongs to another process.
    LIB_HANDLE[] = C_NULL
    return nothing
end

"""
    library_path()

The library this session loads (or has loaded): `ENV["RNNWF_LIB"]`, else the SONAME.
"""
library_path() = get(ENV, "RNNWF_LIB", SONAME)

function libhandle()
    handle = LIB_HANDLE[]
    # Fast path without the lock: finalizers call in here and must not wait on a lock.
    handle != C_NULL && return handle
    lock(LIB_LOCK) do
        if LIB_HANDLE[] == C_NULL
            LIB_HANDLE[] = open_library(library_path())
        end
    end
    return LIB_HANDLE[]
end

function open_library(path::AbstractString)
    handle = Libdl.dlopen(path; throw_error = false)
    if handle === nothing
        error("cannot load librnnwf from \"$path\": set RNNWF_LIB to the path of librnnwf.so")
    end
    abi = ccall(Libdl.dlsym(handle, :rnnwf_abi_version), UInt32, ())
    if abi != RNNWF_ABI_VERSION
        Libdl.dlclose(handle)
        error("$path has ABI version $abi; this package needs $(RNNWF_ABI_VERSION)")
    end
    return handle
end

"""
    libsym(name::Symbol)

The address of the C function `name` in librnnwf, for `ccall`.
"""
libsym(name::Symbol) = Libdl.dlsym(libhandle(), name)

"""
    version()

The loaded library's version string, e.g. `"0.3.0"`.
"""
# fatou-ignore discouraged-function: the library returns static strings
version() = unsafe_string(rnnwf_version())

"""
    abi_version()

The loaded library's ABI version; this package needs `Rnnwf.RNNWF_ABI_VERSION`.
"""
abi_version() = Int(rnnwf_abi_version())
