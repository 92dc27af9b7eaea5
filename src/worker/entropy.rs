//! Randomness from the runtime.

/// Bytes from the runtime's CSPRNG.
pub fn random_fill(buf: &mut [u8]) {
    if getrandom::getrandom(buf).is_err() {
        // crypto.getRandomValues is always there on Workers; this only keeps values distinct.
        for b in buf.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
}
