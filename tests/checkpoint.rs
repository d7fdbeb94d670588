//! Checkpoints: exact round trips, and every kind of damage refused with the right kind.

mod common;
use common::scratch_dir;
use rnnwf::vmc::Vmc;
use rnnwf::{CellKind, ErrorKind, Model, ModelConfig, PhaseKind, SignRule};
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use std::collections::HashMap;

/// Name, shape and little-endian bytes of one tensor.
type OwnedTensor = (String, Vec<usize>, Vec<u8>);
type Metadata = HashMap<String, String>;

fn tiny(cell: CellKind, phase: PhaseKind) -> Model {
    Model::new(
        ModelConfig::default()
            .with_cell(cell)
            .with_lx(2)
            .with_hidden(1)
            .with_phase(phase)
            .with_seed(5),
    )
    .unwrap()
}

fn assert_same_model(a: &Model, b: &Model) {
    assert_eq!(a.config(), b.config());
    let bits = |m: &Model| m.params().iter().map(|p| p.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(a), bits(b), "parameters differ in some bit");
}

fn kind_of(bytes: &[u8]) -> Option<ErrorKind> {
    Model::from_checkpoint_bytes(bytes).err().map(|e| e.kind)
}

fn message_of(bytes: &[u8]) -> String {
    Model::from_checkpoint_bytes(bytes).unwrap_err().message
}

/// The checksum exactly as the module docs describe it, computed independently of the crate.
fn documented_crc(meta: &HashMap<String, String>, tensors: &[OwnedTensor]) -> String {
    let mut keys: Vec<_> = meta.keys().filter(|k| *k != "crc32").collect();
    keys.sort();
    let mut s = Vec::new();
    for k in keys {
        s.extend(format!("{k}={}\n", meta[k]).as_bytes());
    }
    for (name, shape, data) in tensors {
        let dims: Vec<_> = shape.iter().map(|d| d.to_string()).collect();
        s.extend(format!("{name}[{}]\n", dims.join(",")).as_bytes());
        s.extend(data);
    }
    format!("{:08x}", crc32fast::hash(&s))
}

/// Re-writes a checkpoint after `edit` changed its metadata or tensors (kept in block order),
/// with a correct checksum: damage that only the other checks can find.
fn reseal(
    bytes: &[u8],
    edit: impl FnOnce(&mut HashMap<String, String>, &mut Vec<OwnedTensor>),
    block_order: &[String],
) -> Vec<u8> {
    let file = SafeTensors::deserialize(bytes).unwrap();
    let (_, header) = SafeTensors::read_metadata(bytes).unwrap();
    let mut meta = header.metadata().clone().unwrap();
    let mut tensors: Vec<OwnedTensor> = block_order
        .iter()
        .map(|name| {
            let t = file.tensor(name).unwrap();
            (name.clone(), t.shape().to_vec(), t.data().to_vec())
        })
        .collect();
    edit(&mut meta, &mut tensors);
    let crc = documented_crc(&meta, &tensors);
    meta.insert("crc32".into(), crc);
    write_safetensors(&tensors, Dtype::F64, Some(meta))
}

fn write_safetensors(
    tensors: &[OwnedTensor],
    dtype: Dtype,
    meta: Option<HashMap<String, String>>,
) -> Vec<u8> {
    let views = tensors
        .iter()
        .map(|(n, s, d)| (n.clone(), TensorView::new(dtype, s.clone(), d).unwrap()));
    safetensors::serialize(views, meta).unwrap()
}

fn block_names(m: &Model) -> Vec<String> {
    m.param_blocks().iter().map(|b| b.name.clone()).collect()
}

#[test]
fn round_trip_is_bit_exact_for_every_feature() {
    let dir = scratch_dir("round-trip");
    let mut count = 0;
    for cell in [
        CellKind::Vanilla,
        CellKind::Gru,
        CellKind::TensorGru,
        CellKind::LinearGated,
    ] {
        for phase in [PhaseKind::None, PhaseKind::Softsign] {
            for (sign_rule, u1_total) in [(SignRule::None, None), (SignRule::Marshall, Some(3))] {
                for layers in [1, 2] {
                    let m = Model::new(
                        ModelConfig::default()
                            .with_cell(cell)
                            .with_lx(6)
                            .with_local_dim(2)
                            .with_hidden(4)
                            .with_layers(layers)
                            .with_phase(phase)
                            .with_sign_rule(sign_rule)
                            .with_u1_total(u1_total)
                            .with_seed(0xDEAD_BEEF_1234_5678),
                    )
                    .unwrap();
                    let from_bytes =
                        Model::from_checkpoint_bytes(&m.to_checkpoint_bytes()).unwrap();
                    assert_same_model(&m, &from_bytes);
                    let path = dir.join(format!("m{count}.safetensors"));
                    m.save(&path).unwrap();
                    assert_same_model(&m, &Model::load(&path).unwrap());
                    assert_eq!(std::fs::read(&path).unwrap(), m.to_checkpoint_bytes());
                    count += 1;
                }
            }
        }
    }
    // Parameters that are not the initial ones survive too, with awkward values.
    let mut m = tiny(CellKind::Gru, PhaseKind::Softsign);
    let mut p: Vec<f64> = (0..m.num_params())
        .map(|i| (i as f64 - 7.3).powi(3) / 3.0)
        .collect();
    p[0] = -0.0;
    p[1] = f64::MIN_POSITIVE / 4.0; // subnormal
    p[2] = f64::MAX;
    m.set_params(&p).unwrap();
    assert_same_model(
        &m,
        &Model::from_checkpoint_bytes(&m.to_checkpoint_bytes()).unwrap(),
    );
    // Local dimension 3 with a U(1) total.
    let m = Model::new(
        ModelConfig::default()
            .with_lx(4)
            .with_local_dim(3)
            .with_u1_total(Some(5)),
    )
    .unwrap();
    assert_same_model(
        &m,
        &Model::from_checkpoint_bytes(&m.to_checkpoint_bytes()).unwrap(),
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn file_is_plain_safetensors_with_documented_metadata_and_checksum() {
    let m = Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Vanilla)
            .with_lx(5)
            .with_hidden(3)
            .with_phase(PhaseKind::Softsign)
            .with_sign_rule(SignRule::Marshall)
            .with_u1_total(Some(2))
            .with_seed(42),
    )
    .unwrap();
    let bytes = m.to_checkpoint_bytes();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let meta = header.metadata().clone().unwrap();
    let expected = [
        ("format", "rnnwf-model"),
        ("format_version", "1"),
        ("cell", "vanilla"),
        ("lx", "5"),
        ("ly", "1"),
        ("local_dim", "2"),
        ("hidden", "3"),
        ("layers", "1"),
        ("phase", "softsign"),
        ("sign_rule", "marshall"),
        ("u1_total", "2"),
        ("seed", "42"),
    ];
    for (k, v) in expected {
        assert_eq!(meta.get(k).map(String::as_str), Some(v), "metadata {k}");
    }
    assert_eq!(
        meta.len(),
        expected.len() + 1,
        "exactly the documented keys: {meta:?}"
    );
    assert_eq!(file.len(), m.param_blocks().len());
    let mut tensors = Vec::new();
    for block in m.param_blocks() {
        let t = file.tensor(&block.name).unwrap();
        assert_eq!(t.dtype(), Dtype::F64);
        assert_eq!(t.shape(), &block.shape[..]);
        let values: Vec<f64> = t
            .data()
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
            .collect();
        assert_eq!(values, &m.params()[block.range.clone()]);
        tensors.push((block.name.clone(), block.shape.clone(), t.data().to_vec()));
    }
    assert_eq!(meta["crc32"], documented_crc(&meta, &tensors));
    // u1_total absent is spelt -1.
    let plain = tiny(CellKind::Gru, PhaseKind::None).to_checkpoint_bytes();
    let (_, header) = SafeTensors::read_metadata(&plain).unwrap();
    assert_eq!(header.metadata().as_ref().unwrap()["u1_total"], "-1");
}

#[test]
fn every_single_bit_flip_is_refused_as_format() {
    for model in [
        tiny(CellKind::Vanilla, PhaseKind::None),
        tiny(CellKind::Gru, PhaseKind::Softsign),
    ] {
        let bytes = model.to_checkpoint_bytes();
        let mut damaged = bytes.clone();
        for bit in 0..bytes.len() * 8 {
            damaged[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                kind_of(&damaged),
                Some(ErrorKind::Format),
                "flipping bit {} of byte {} (of {}) was not refused as Format",
                bit % 8,
                bit / 8,
                bytes.len()
            );
            damaged[bit / 8] ^= 1 << (bit % 8);
        }
        assert_eq!(damaged, bytes);
    }
}

#[test]
fn every_truncation_is_refused_as_format() {
    let bytes = tiny(CellKind::Gru, PhaseKind::Softsign).to_checkpoint_bytes();
    for len in 0..bytes.len() {
        assert_eq!(
            kind_of(&bytes[..len]),
            Some(ErrorKind::Format),
            "truncated to {len} bytes"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        kind_of(&longer),
        Some(ErrorKind::Format),
        "one trailing byte"
    );
}

#[test]
fn junk_and_foreign_files_are_refused_as_format() {
    assert!(message_of(b"").contains("not a safetensors file"));
    let mut state = 0x1234_5678_9abc_def0u64;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    assert_eq!(kind_of(&random), Some(ErrorKind::Format));

    // A valid safetensors file from some other tool: no metadata at all, then foreign metadata.
    let data = vec![0u8; 4 * 8];
    let foreign = write_safetensors(
        &[("weight".into(), vec![2, 2], data.clone())],
        Dtype::F64,
        None,
    );
    assert!(SafeTensors::deserialize(&foreign).is_ok());
    assert_eq!(kind_of(&foreign), Some(ErrorKind::Format));
    assert!(
        message_of(&foreign).contains("format"),
        "{}",
        message_of(&foreign)
    );
    let meta = HashMap::from([("format".to_string(), "pt".to_string())]);
    let foreign = write_safetensors(
        &[("weight".into(), vec![2, 2], data)],
        Dtype::F64,
        Some(meta),
    );
    assert!(
        message_of(&foreign).contains("\"pt\""),
        "{}",
        message_of(&foreign)
    );

    // Tensors whose sizes pass safetensors' own checks (8 of 2^61 - 1 bytes, back to back)
    // but whose data would end at byte 2^64 - 8: refused by name, where safetensors' sum of
    // that end and the header length overflows.
    let per = (1u64 << 61) - 1;
    let entries: Vec<String> = (0..8u64)
        .map(|k| {
            format!(
                "\"t{k}\":{{\"dtype\":\"U8\",\"shape\":[{per}],\"data_offsets\":[{},{}]}}",
                k * per,
                (k + 1) * per
            )
        })
        .collect();
    let header = format!("{{{}}}", entries.join(","));
    let mut crafted = (header.len() as u64).to_le_bytes().to_vec();
    crafted.extend(header.as_bytes());
    assert_eq!(kind_of(&crafted), Some(ErrorKind::Format));
    let message = message_of(&crafted);
    assert!(message.contains("past the end of the file"), "{message}");
    assert!(
        Vmc::from_checkpoint_bytes(&crafted).is_err(),
        "the optimiser's reader shares the container"
    );
}

#[test]
fn intact_but_wrong_content_is_refused_as_format_with_a_named_problem() {
    let model = tiny(CellKind::Gru, PhaseKind::Softsign);
    let bytes = model.to_checkpoint_bytes();
    let order = block_names(&model);
    let check = |edit: &dyn Fn(&mut Metadata, &mut Vec<OwnedTensor>), needle: &str| {
        let damaged = reseal(&bytes, edit, &order);
        let err = Model::from_checkpoint_bytes(&damaged).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Format, "{}", err.message);
        assert!(
            err.message.contains(needle),
            "{:?} does not mention {needle:?}",
            err.message
        );
    };
    // 2 is the version of files with `symmetry_maps` only; 3 is a newer build's.
    for version in ["2", "3", "0", "01"] {
        check(
            &|m, _| drop(m.insert("format_version".into(), version.into())),
            "format_version",
        );
    }
    check(&|m, _| drop(m.remove("hidden")), "hidden");
    check(
        &|m, _| drop(m.insert("hidden".into(), "0".into())),
        "hidden",
    );
    check(
        &|m, _| drop(m.insert("hidden".into(), "01".into())),
        "hidden",
    );
    check(&|m, _| drop(m.insert("lx".into(), "+2".into())), "lx");
    check(
        &|m, _| drop(m.insert("local_dim".into(), "1".into())),
        "local_dim",
    );
    check(&|m, _| drop(m.insert("cell".into(), "lstm".into())), "cell");
    check(
        &|m, _| drop(m.insert("u1_total".into(), "-2".into())),
        "u1_total",
    );
    check(
        &|m, _| drop(m.insert("u1_total".into(), "3".into())),
        "infeasible",
    );
    check(&|_, t| drop(t.remove(2)), "missing tensor layer0.bias");
    check(
        &|_, t| t.push(("extra.weight".into(), vec![1], vec![0; 8])),
        "unexpected tensor extra.weight",
    );
    check(
        &|_, t| {
            t[2].1 = vec![1, 3];
        },
        "shape",
    );
    check(
        &|_, t| {
            t[0].2[..8].copy_from_slice(&f64::NAN.to_le_bytes());
        },
        "non-finite",
    );
    check(
        &|_, t| {
            t[5].2[..8].copy_from_slice(&f64::NEG_INFINITY.to_le_bytes());
        },
        "non-finite",
    );
    // A stored checksum that is right but spelt in upper case is damage too.
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let mut meta = header.metadata().clone().unwrap();
    let upper = meta["crc32"].to_ascii_uppercase();
    assert_ne!(
        upper, meta["crc32"],
        "pick a model whose checksum has a hex letter"
    );
    meta.insert("crc32".into(), upper);
    let tensors: Vec<_> = order
        .iter()
        .map(|n| {
            let f = SafeTensors::deserialize(&bytes).unwrap();
            let v = f.tensor(n).unwrap();
            (n.clone(), v.shape().to_vec(), v.data().to_vec())
        })
        .collect();
    let shouting = write_safetensors(&tensors, Dtype::F64, Some(meta));
    assert!(message_of(&shouting).contains("checksum mismatch"));
    // Wrong dtype: the same bytes declared as I64.
    let wrong_dtype = write_safetensors(&tensors, Dtype::I64, header.metadata().clone());
    assert!(message_of(&wrong_dtype).contains("dtype"));
}

/// `boundary` and `dilation` (ABI 0.3) are written only when not the default, so files
/// without them (every 0.2 file) load as OPEN and 0; an intact file with a topology this
/// version cannot build (a periodic chain, a dilated grid) is Unsupported, one with a value
/// out of range or the default spelt out is Format. A chain's blocks are a dilated chain's:
/// `dilation` = 1 on them loads the dilated chain.
#[test]
fn topology_fields_load_as_defaults_when_absent_and_are_checked_when_present() {
    let model = tiny(CellKind::Gru, PhaseKind::Softsign);
    let bytes = model.to_checkpoint_bytes();
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let meta = header.metadata().clone().unwrap();
    assert!(!meta.contains_key("boundary") && !meta.contains_key("dilation"));
    let loaded = Model::from_checkpoint_bytes(&bytes).unwrap();
    assert_eq!(loaded.config().boundary, rnnwf::Boundary::Open);
    assert_eq!(loaded.config().dilation, 0);
    let order = block_names(&model);
    let with = |key: &str, value: &str| {
        let edited = reseal(
            &bytes,
            |m, _| drop(m.insert(key.into(), value.into())),
            &order,
        );
        Model::from_checkpoint_bytes(&edited).unwrap_err()
    };
    let dilated = reseal(
        &bytes,
        |m, _| drop(m.insert("dilation".into(), "1".into())),
        &order,
    );
    let dilated = Model::from_checkpoint_bytes(&dilated).unwrap();
    assert_eq!(dilated.config().dilation, 1);
    assert_eq!(dilated.params(), model.params());
    let grid = Model::new(ModelConfig::default().with_lx(2).with_ly(2).with_hidden(1)).unwrap();
    let grid_bytes = grid.to_checkpoint_bytes();
    let dilated_grid = reseal(
        &grid_bytes,
        |m, _| drop(m.insert("dilation".into(), "1".into())),
        &block_names(&grid),
    );
    let err = Model::from_checkpoint_bytes(&dilated_grid).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported, "{}", err.message);
    assert!(err.message.contains("dilation"), "{}", err.message);
    for (key, value, kind, needle) in [
        ("boundary", "periodic", ErrorKind::Unsupported, "PERIODIC"),
        ("boundary", "open", ErrorKind::Format, "boundary"),
        ("boundary", "twisted", ErrorKind::Format, "boundary"),
        ("dilation", "0", ErrorKind::Format, "dilation"),
        ("dilation", "2", ErrorKind::Format, "dilation"),
        ("dilation", "01", ErrorKind::Format, "dilation"),
    ] {
        let err = with(key, value);
        assert_eq!(err.kind, kind, "{key} = {value}: {}", err.message);
        assert!(err.message.contains(needle), "{}", err.message);
    }
}

/// A symmetry or precision name this version does not know, in an intact file, is a model of
/// a newer version (Unsupported, naming it), as docs/checkpoint-format.md promises; the same
/// name in a file whose checksum does not match is damage (Format); a known name spelling out
/// the default stays Format.
#[test]
fn a_future_symmetry_or_precision_name_is_unsupported_when_intact() {
    let model = tiny(CellKind::Gru, PhaseKind::Softsign);
    let bytes = model.to_checkpoint_bytes();
    let order = block_names(&model);
    let with = |key: &str, value: &str| {
        reseal(
            &bytes,
            |m, _| drop(m.insert(key.into(), value.into())),
            &order,
        )
    };
    for (key, value) in [("symmetry", "translation"), ("precision", "bf16")] {
        let intact = with(key, value);
        let err = Model::from_checkpoint_bytes(&intact).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unsupported, "{key}: {}", err.message);
        assert!(err.message.contains(value), "{}", err.message);
        // The last byte is a parameter's: the file is damaged, whatever its names say.
        let mut damaged = intact.clone();
        *damaged.last_mut().unwrap() ^= 1;
        let err = Model::from_checkpoint_bytes(&damaged).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Format, "{key}: {}", err.message);
        assert!(err.message.contains("checksum"), "{}", err.message);
    }
    for (key, value) in [("symmetry", "none"), ("precision", "f64")] {
        let err = Model::from_checkpoint_bytes(&with(key, value)).unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::Format,
            "{key} = {value}: {}",
            err.message
        );
    }
}

#[test]
fn symmetry_maps_are_checked_when_present() {
    let model = Model::new(
        ModelConfig::default()
            .with_lx(3)
            .with_ly(3)
            .with_hidden(2)
            .with_symmetry(rnnwf::Symmetry::Lattice),
    )
    .unwrap();
    let bytes = model.to_checkpoint_bytes();
    let order = block_names(&model);
    // Files with the key are format_version 2 (a build reading only 1 would ignore it).
    let with_version = |value: &str, version: &str| {
        reseal(
            &bytes,
            |m, _| {
                m.insert("symmetry_maps".into(), value.into());
                m.insert("format_version".into(), version.into());
            },
            &order,
        )
    };
    let with = |value: &str| with_version(value, "2");
    let kept = Model::from_checkpoint_bytes(&with("identity,diagonal")).unwrap();
    assert_eq!(kept.symmetry_size(), 2);
    assert_eq!(
        Model::from_checkpoint_bytes(&kept.to_checkpoint_bytes())
            .unwrap()
            .config(),
        kept.config()
    );
    let err = Model::from_checkpoint_bytes(&with_version("identity,diagonal", "1")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Format, "{}", err.message);
    assert!(
        err.message
            .contains("format_version 1 with `symmetry_maps`"),
        "{}",
        err.message
    );
    // A name this version does not know: a newer version's model.
    let err = Model::from_checkpoint_bytes(&with("identity,translate_x")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported, "{}", err.message);
    assert!(err.message.contains("translate_x"), "{}", err.message);
    // Known names that are not a proper subgroup, or not in the canonical spelling.
    for value in [
        "diagonal",
        "identity,quarter_turn",
        "identity, diagonal",
        "identity,diagonal,diagonal",
        "identity,reflect_x,reflect_y,half_turn,quarter_turn,three_quarter_turn,diagonal,antidiagonal",
        "identity,identity+flip",
        "",
    ] {
        let err = Model::from_checkpoint_bytes(&with(value)).unwrap_err();
        assert!(
            matches!(err.kind, ErrorKind::Format | ErrorKind::Unsupported),
            "{value:?}: {:?} {}",
            err.kind,
            err.message
        );
    }
    let err = Model::from_checkpoint_bytes(&with("identity,quarter_turn")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Format, "{}", err.message);
    assert!(err.message.contains("not a group"), "{}", err.message);
}

#[test]
fn checksum_mismatch_message_names_both_values() {
    let bytes = tiny(CellKind::Vanilla, PhaseKind::None).to_checkpoint_bytes();
    let mut damaged = bytes.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 0x40;
    let msg = message_of(&damaged);
    assert!(
        msg.starts_with("checkpoint checksum mismatch: stored "),
        "{msg}"
    );
    assert!(msg.contains(", computed "), "{msg}");
}

/// Until the 2D RNN landed, an intact chain checkpoint relabelled `ly = 2` was refused as
/// Unsupported. Now the relabelled config is buildable, but its tensors are a chain's (a
/// grid's layer 0 reads two one-hot inputs, and has horizontal and vertical weights): the
/// file is refused as Format naming the first block that does not fit, never loaded.
#[test]
fn chain_checkpoint_relabelled_as_a_grid_is_refused_as_format() {
    let model = tiny(CellKind::Gru, PhaseKind::None);
    let two_d = reseal(
        &model.to_checkpoint_bytes(),
        |m, _| drop(m.insert("ly".into(), "2".into())),
        &block_names(&model),
    );
    let err = Model::from_checkpoint_bytes(&two_d).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Format, "{}", err.message);
    assert!(
        err.message
            .contains("tensor layer0.input_weight has shape [2, 3], expected [4, 3]"),
        "{}",
        err.message
    );
}

/// And the reverse: a grid checkpoint relabelled as a chain.
#[test]
fn grid_checkpoint_relabelled_as_a_chain_is_refused_as_format() {
    let model = Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Vanilla)
            .with_lx(2)
            .with_ly(2)
            .with_hidden(2),
    )
    .unwrap();
    let chain = reseal(
        &model.to_checkpoint_bytes(),
        |m, _| drop(m.insert("ly".into(), "1".into())),
        &block_names(&model),
    );
    let err = Model::from_checkpoint_bytes(&chain).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Format, "{}", err.message);
    assert!(
        err.message
            .contains("tensor layer0.input_weight has shape [4, 2], expected [2, 2]"),
        "{}",
        err.message
    );
}

/// Grids round-trip bit for bit with every cell and feature, through bytes and files.
#[test]
fn grid_round_trip_is_bit_exact_for_every_cell_and_feature() {
    let dir = scratch_dir("grid-round-trip");
    for (i, cell) in [
        CellKind::Vanilla,
        CellKind::Gru,
        CellKind::VanillaElu,
        CellKind::TensorGru,
        CellKind::LinearGated,
    ]
    .into_iter()
    .enumerate()
    {
        for layers in [1, 2] {
            let m = Model::new(
                ModelConfig::default()
                    .with_cell(cell)
                    .with_lx(3)
                    .with_ly(4)
                    .with_hidden(4)
                    .with_layers(layers)
                    .with_phase(PhaseKind::Softsign)
                    .with_sign_rule(SignRule::Marshall)
                    .with_u1_total(Some(6))
                    .with_seed(77),
            )
            .unwrap();
            let bytes = m.to_checkpoint_bytes();
            assert_same_model(&m, &Model::from_checkpoint_bytes(&bytes).unwrap());
            let path = dir.join(format!("grid{i}-{layers}.safetensors"));
            m.save(&path).unwrap();
            assert_same_model(&m, &Model::load(&path).unwrap());
            assert_eq!(std::fs::read(&path).unwrap(), bytes);
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// The grid's tensors carry the geometry: names and shapes as `model/layout.rs` documents
/// them, written out here by hand (local_dim 2, hidden 3, GRU: G = 3 gates, H = 4 columns).
#[test]
fn grid_checkpoint_has_the_documented_tensors_and_metadata() {
    let m = Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(4)
            .with_ly(3)
            .with_hidden(3)
            .with_layers(2)
            .with_phase(PhaseKind::Softsign)
            .with_seed(1),
    )
    .unwrap();
    let bytes = m.to_checkpoint_bytes();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let expected: [(&str, &[usize]); 14] = [
        ("layer0.input_weight", &[4, 9]),
        ("layer0.horizontal_weight", &[3, 12]),
        ("layer0.vertical_weight", &[3, 12]),
        ("layer0.bias", &[9]),
        ("layer0.candidate_bias", &[3]),
        ("layer1.input_weight", &[3, 9]),
        ("layer1.horizontal_weight", &[3, 12]),
        ("layer1.vertical_weight", &[3, 12]),
        ("layer1.bias", &[9]),
        ("layer1.candidate_bias", &[3]),
        ("amplitude.weight", &[3, 2]),
        ("amplitude.bias", &[2]),
        ("phase.weight", &[3, 2]),
        ("phase.bias", &[2]),
    ];
    assert_eq!(file.len(), expected.len());
    let mut offset = 0;
    for ((name, shape), block) in expected.iter().zip(m.param_blocks()) {
        assert_eq!(&block.name, name);
        assert_eq!(file.tensor(name).unwrap().shape(), *shape, "{name}");
        assert_eq!(
            block.range.start, offset,
            "{name} follows the previous block"
        );
        offset += shape.iter().product::<usize>();
    }
    assert_eq!(offset, m.num_params());
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let meta = header.metadata().clone().unwrap();
    assert_eq!(meta["lx"], "4");
    assert_eq!(meta["ly"], "3");
    assert_eq!(meta["cell"], "gru");
    let elu = Model::new(
        ModelConfig::default()
            .with_cell(CellKind::VanillaElu)
            .with_lx(4)
            .with_ly(3),
    )
    .unwrap()
    .to_checkpoint_bytes();
    let (_, header) = SafeTensors::read_metadata(&elu).unwrap();
    assert_eq!(header.metadata().as_ref().unwrap()["cell"], "vanilla_elu");
}

/// CRC-32 of whole chain checkpoint files, recorded with the code before the 2D RNN.
const GOLDEN_GRU: u32 = 0x7c41_4ea3;
const GOLDEN_VANILLA: u32 = 0xa159_be24;

/// Chain checkpoints keep the bytes they had before the 2D RNN (initialisation, layout and
/// format unchanged for ly = 1).
#[test]
fn chain_checkpoint_bytes_are_unchanged_by_the_2d_rnn() {
    let m = Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(6)
            .with_hidden(4)
            .with_layers(2)
            .with_phase(PhaseKind::Softsign)
            .with_sign_rule(SignRule::Marshall)
            .with_u1_total(Some(3))
            .with_seed(11),
    )
    .unwrap();
    let v = tiny(CellKind::Vanilla, PhaseKind::None);
    assert_eq!(
        (
            crc32fast::hash(&m.to_checkpoint_bytes()),
            crc32fast::hash(&v.to_checkpoint_bytes())
        ),
        (GOLDEN_GRU, GOLDEN_VANILLA)
    );
}

#[test]
fn load_and_save_report_io_problems_with_the_path() {
    let dir = scratch_dir("io");
    let missing = dir.join("no-such-file.safetensors");
    let err = Model::load(&missing).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io);
    assert!(
        err.message.contains("no-such-file.safetensors"),
        "{}",
        err.message
    );
    // A directory is not a file either.
    assert_eq!(Model::load(&dir).unwrap_err().kind, ErrorKind::Io);

    let model = tiny(CellKind::Gru, PhaseKind::None);
    let target = dir.join("absent-dir").join("m.safetensors");
    let err = model.save(&target).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io);
    assert!(err.message.contains("absent-dir"), "{}", err.message);

    // A rename that fails after the temporary was written: the temporary is removed.
    let occupied = dir.join("occupied");
    std::fs::create_dir(&occupied).unwrap();
    std::fs::write(occupied.join("keep"), b"x").unwrap();
    assert_eq!(model.save(&occupied).unwrap_err().kind, ErrorKind::Io);
    let mut left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["occupied"], "no stray temporary files");

    // A file on disk that is damaged is Format, with the path in the message.
    let bad = dir.join("bad.safetensors");
    std::fs::write(&bad, b"garbage").unwrap();
    let err = Model::load(&bad).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Format);
    assert!(err.message.contains("bad.safetensors"), "{}", err.message);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn save_replaces_an_existing_checkpoint_whole() {
    let dir = scratch_dir("replace");
    let path = dir.join("m.safetensors");
    let a = tiny(CellKind::Gru, PhaseKind::None);
    let b = tiny(CellKind::Vanilla, PhaseKind::Softsign);
    a.save(&path).unwrap();
    b.save(&path).unwrap();
    assert_same_model(&b, &Model::load(&path).unwrap());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "only the checkpoint remains"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// What is not a regular file is refused (`Io`, naming what it is) before it is read: a
/// FIFO would block the load forever, `/dev/urandom` would be read until memory runs out.
#[test]
#[cfg(target_os = "linux")]
fn loading_what_is_not_a_regular_file_is_refused_at_once() {
    let dir = scratch_dir("not-regular");
    let fifo = dir.join("fifo.safetensors");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (done, result) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || done.send(Model::load(&path).unwrap_err()).unwrap());
    let err = result
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("loading a FIFO blocked");
    assert_eq!(err.kind, ErrorKind::Io);
    assert!(err.message.contains("a FIFO"), "{}", err.message);
    for (path, kind) in [
        ("/dev/urandom", "a device"),
        ("/dev/zero", "a device"),
        (dir.to_str().unwrap(), "a directory"),
    ] {
        let err = Model::load(std::path::Path::new(path)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Io, "{path}");
        assert!(err.message.contains(kind), "{path}: {}", err.message);
        let mut vmc = rnnwf::vmc::Vmc::new(rnnwf::vmc::VmcConfig::default()).unwrap();
        let err = vmc.load(std::path::Path::new(path)).unwrap_err();
        assert!(err.message.contains(kind), "{path}: {}", err.message);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A save replaces a file with one of the same permissions: 0600 stays 0600 (and 0640
/// stays 0640), where a new file would get the default.
#[test]
#[cfg(unix)]
fn save_keeps_the_permissions_of_the_file_it_replaces() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch_dir("mode");
    let path = dir.join("m.safetensors");
    let model = tiny(CellKind::Gru, PhaseKind::None);
    for mode in [0o600, 0o640] {
        model.save(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        model.save(&path).unwrap();
        let kept = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(kept, mode, "{kept:o}");
        let vmc = rnnwf::vmc::Vmc::new(rnnwf::vmc::VmcConfig::default()).unwrap();
        let opt = dir.join("opt");
        vmc.save(&opt).unwrap();
        std::fs::set_permissions(&opt, std::fs::Permissions::from_mode(mode)).unwrap();
        vmc.save(&opt).unwrap();
        let kept = std::fs::metadata(&opt).unwrap().permissions().mode() & 0o777;
        assert_eq!(kept, mode, "{kept:o}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// File names up to the 255 bytes file systems allow can be saved: the temporary's name
/// is shortened (with a hash of the whole name) to fit too.
#[test]
fn a_file_name_of_255_bytes_can_be_saved() {
    let dir = scratch_dir("long-name");
    let model = tiny(CellKind::Gru, PhaseKind::None);
    for len in [200, 250, 255] {
        let path = dir.join("m".repeat(len));
        model.save(&path).unwrap();
        model.save(&path).unwrap();
        assert_same_model(&model, &Model::load(&path).unwrap());
        std::fs::remove_file(&path).unwrap();
    }
    // Multi-byte characters are cut at a character boundary: 125 two-byte letters.
    let path = dir.join("é".repeat(125));
    model.save(&path).unwrap();
    assert_same_model(&model, &Model::load(&path).unwrap());
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no temporaries"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// A save killed mid-write leaves its temporary `.<name>.tmp-<pid>-<n>`; the next save of
/// the same target removes those of processes that are gone (once a minute old), and
/// nothing else: not a running process's, not another target's, not other files.
#[test]
#[cfg(target_os = "linux")]
fn the_next_save_removes_temporaries_of_killed_saves() {
    let dir = scratch_dir("stale");
    let path = dir.join("m.safetensors");
    let model = tiny(CellKind::Gru, PhaseKind::None);
    let dead = {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    };
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let make = |name: &str, age: std::time::SystemTime| {
        let p = dir.join(name);
        std::fs::write(&p, vec![7u8; 4096]).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(age)
            .unwrap();
    };
    let stale = format!(".m.safetensors.tmp-{dead}-0");
    let fresh = format!(".m.safetensors.tmp-{dead}-1");
    let alive = ".m.safetensors.tmp-1-0".to_string(); // pid 1 is always running
    let other_target = format!(".n.safetensors.tmp-{dead}-0");
    let not_a_temp = format!(".m.safetensors.tmp-{dead}-x");
    make(&stale, old);
    make(&fresh, std::time::SystemTime::now());
    make(&alive, old);
    make(&other_target, old);
    make(&not_a_temp, old);
    model.save(&path).unwrap();
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    let mut expected = vec![
        fresh,
        alive,
        other_target,
        not_a_temp,
        "m.safetensors".to_string(),
    ];
    expected.sort();
    assert_eq!(left, expected);
    // A long name's temporaries (shortened, hashed) are found the same way.
    let long = dir.join("q".repeat(250));
    model.save(&long).unwrap();
    let before: std::collections::HashSet<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    // A killed save's temporary of the long name, by the documented rule: `.`, the name's
    // first 198 bytes, `~`, the CRC-32 of the whole name in 8 hex digits, `.tmp-<pid>-<n>`.
    let crc = format!("{:08x}", crc32(&"q".repeat(250)));
    let stale_long = format!(".{}~{crc}.tmp-{dead}-0", "q".repeat(198));
    assert!(stale_long.len() <= 255);
    make(&stale_long, old);
    model.save(&long).unwrap();
    assert!(!dir.join(&stale_long).exists(), "stale long temporary kept");
    let after: std::collections::HashSet<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after);
    std::fs::remove_dir_all(dir).unwrap();
}

/// CRC-32 (IEEE), bit by bit: the documented hash of a long name's temporaries.
fn crc32(text: &str) -> u32 {
    let mut crc = !0u32;
    for &b in text.as_bytes() {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
