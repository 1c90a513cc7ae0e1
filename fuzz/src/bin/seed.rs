//! Writes the seed corpus: `seed <conformance format-json dir> <corpus dir>`.

use std::path::PathBuf;

fn main() {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let (Some(conformance), Some(corpus)) = (args.next(), args.next()) else {
        eprintln!("usage: seed <conformance format-json dir> <corpus dir>");
        std::process::exit(2);
    };
    let seeds = bindery_fuzz::harness::seeds(&conformance);
    if let Err(error) = std::fs::create_dir_all(&corpus) {
        eprintln!("cannot create {}: {error}", corpus.display());
        std::process::exit(1);
    }
    for (index, seed) in seeds.iter().enumerate() {
        let path = corpus.join(format!("seed-{index:04}"));
        if let Err(error) = std::fs::write(&path, seed) {
            eprintln!("cannot write {}: {error}", path.display());
            std::process::exit(1);
        }
    }
    println!("{} seeds in {}", seeds.len(), corpus.display());
}
