//! One AFL++ harness for every target in `wakelink::fuzz::TARGETS`, chosen by its first
//! argument: `wakelink-fuzz route` reads inputs from AFL++ and runs the `route` target.

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some((_, target)) = wakelink::fuzz::TARGETS.iter().find(|(n, _)| *n == name) else {
        let names: Vec<_> = wakelink::fuzz::TARGETS.iter().map(|(n, _)| *n).collect();
        eprintln!("usage: wakelink-fuzz <target>; targets: {}", names.join(", "));
        std::process::exit(2);
    };
    afl::fuzz!(|data: &[u8]| target(data));
}
