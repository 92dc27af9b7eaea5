//! Client addresses are never stored whole: IPv4 is cut to its /24, IPv6 to its /48.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Returns the truncated network of `raw` in CIDR form, or `None` when it isn't an address.
///
/// ```
/// use wakelink::domain::ip::truncate;
/// assert_eq!(truncate("203.0.113.77").as_deref(), Some("203.0.113.0/24"));
/// assert_eq!(truncate("2001:db8:85a3:8d3::1").as_deref(), Some("2001:db8:85a3::/48"));
/// assert_eq!(truncate("not-an-ip"), None);
/// ```
pub fn truncate(raw: &str) -> Option<String> {
    match raw.trim().parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            Some(format!("{}/24", Ipv4Addr::new(a, b, c, 0)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return truncate(&v4.to_string());
            }
            let s = v6.segments();
            Some(format!(
                "{}/48",
                Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0)
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn never_keeps_the_host_part() {
        assert_eq!(truncate("10.1.2.3").as_deref(), Some("10.1.2.0/24"));
        assert_eq!(
            truncate("::ffff:198.51.100.9").as_deref(),
            Some("198.51.100.0/24")
        );
        assert_eq!(truncate("::1").as_deref(), Some("::/48"));
        assert_eq!(truncate(""), None);
        assert_eq!(truncate("1.2.3.4, 5.6.7.8"), None);
    }
}
