//! Hand-written device-model rules, for model codes the generated device table has no answer for.

use super::super::agent::Vendor;
use super::{ModelRule, Needle};

use Needle::{Prefix, Shape, WordStart};
use Vendor::{Honor, Huawei, Oppo, Samsung, Vivo, Xiaomi};

/// Device-model rules, first match wins: names and maker-specific prefixes first, then Honor's
/// own codes, then the generic Huawei code shapes (which Honor codes and some Samsung prefixes
/// would also fit). Sources: the makers' own model listings, cross-checked against public
/// device databases.
///
/// Shapes: `@` a letter, `#` a digit, `%` either, `+` a digit other than `0`, `~` a `0` or `1` (so `2+~#`
/// reads as a year from 2021 and a month), a final `*` any tail; see [`Needle::Shape`].
#[rustfmt::skip]
pub const MODEL_RULES: &[ModelRule] = &[
    // Samsung.
    ModelRule { needle: WordStart("samsung"), vendor: Samsung }, // "SAMSUNG SM-A032M"
    ModelRule { needle: Prefix("galaxy"), vendor: Samsung }, // "Galaxy A72", "Galaxy Nexus"
    ModelRule { needle: Shape("sm-@###*"), vendor: Samsung }, // "SM-S918B", "SM-G991U1"
    ModelRule { needle: Prefix("sm-"), vendor: Samsung }, // other "SM-" codes, including the ones copies of Galaxy phones carry ("SM-A9 Pro", "SM-J8")
    ModelRule { needle: Shape("gt-@###*"), vendor: Samsung }, // older: "GT-I9500"
    ModelRule { needle: Shape("sgh-*"), vendor: Samsung }, // older US carriers: "SGH-I337"
    ModelRule { needle: Shape("sch-*"), vendor: Samsung }, // older CDMA: "SCH-I545"
    ModelRule { needle: Shape("shv-*"), vendor: Samsung }, // Korea: "SHV-E250S"
    ModelRule { needle: Shape("sph-*"), vendor: Samsung }, // Sprint: "SPH-L720"
    ModelRule { needle: Shape("sc-##@*"), vendor: Samsung }, // NTT docomo: "SC-51A"
    ModelRule { needle: Shape("scg##*"), vendor: Samsung }, // au: "SCG16"
    ModelRule { needle: Shape("scv##*"), vendor: Samsung }, // au, older: "SCV48"
    ModelRule { needle: Shape("scl##*"), vendor: Samsung }, // au, older: "SCL24"
    // Xiaomi, Redmi, POCO.
    ModelRule { needle: WordStart("xiaomi"), vendor: Xiaomi }, // "Xiaomi 13"
    ModelRule { needle: WordStart("redmi"), vendor: Xiaomi }, // "Redmi Note 9 Pro"
    ModelRule { needle: WordStart("poco"), vendor: Xiaomi }, // "POCO F3", "POCOPHONE F1"
    ModelRule { needle: Prefix("mi "), vendor: Xiaomi }, // "MI 9", "Mi Note 10", "MI MAX 3"
    ModelRule { needle: Prefix("mi-"), vendor: Xiaomi }, // "Mi-4c"
    ModelRule { needle: Prefix("mi_"), vendor: Xiaomi }, // "MI_NOTE_Pro"
    ModelRule { needle: Prefix("mzb"), vendor: Xiaomi }, // Xiaomi India: "MZB0E6DIN"
    ModelRule { needle: WordStart("qin"), vendor: Xiaomi }, // Qin phones: "Qin 1s+", "QIN2 Pro"
    ModelRule { needle: Shape("mi#*"), vendor: Xiaomi }, // "Mi5X", "Mi8 Pro"
    ModelRule { needle: WordStart("shark"), vendor: Xiaomi }, // Black Shark: "SHARK PRS-A0", "Black Shark 4S"
    ModelRule { needle: Shape("@@@-a0"), vendor: Xiaomi }, // Black Shark: "DLT-A0", "SKR-A0"
    ModelRule { needle: Shape("@@@-h0"), vendor: Xiaomi }, // Black Shark: "SKR-H0"
    ModelRule { needle: Prefix("mix "), vendor: Xiaomi }, // "MIX 2S"
    ModelRule { needle: Prefix("hm "), vendor: Xiaomi }, // Hongmi, Redmi's first name: "HM NOTE 1LTE"
    ModelRule { needle: Shape("xig##"), vendor: Xiaomi }, // au (Japan): "XIG02"
    ModelRule { needle: Shape("a###xm"), vendor: Xiaomi }, // SoftBank (Japan): "A101XM"
    ModelRule { needle: Shape("m##~#@#@*"), vendor: Xiaomi }, // dated code: "M2006C3LG", "M1906G7G"
    ModelRule { needle: Shape("m##~#@##@*"), vendor: Xiaomi }, // dated code: "M2012K11AC", "M2004J19C"
    ModelRule { needle: Shape("2+~##@@##@"), vendor: Xiaomi }, // dated code: "23043RP34G"
    ModelRule { needle: Shape("2+~##@@#@@"), vendor: Xiaomi }, // dated code: "24048RN6CG"
    ModelRule { needle: Shape("2+~##@@@#@"), vendor: Xiaomi }, // dated code: "23021RAA2Y"
    ModelRule { needle: Shape("2+~##@@@@@"), vendor: Xiaomi }, // dated code: "23021RAAEG"
    ModelRule { needle: Shape("2+~##@@@#@@"), vendor: Xiaomi }, // dated code: "23049PCD8G"
    ModelRule { needle: Shape("2+~##@@@##@"), vendor: Xiaomi }, // dated code: "23049RAD8C"
    ModelRule { needle: Shape("2+~#@@@#@@"), vendor: Xiaomi }, // dated code: "2406ERN9CC"
    ModelRule { needle: Shape("2+~#@@@##@"), vendor: Xiaomi }, // dated code: "2303CRA44A"
    ModelRule { needle: Shape("2+~#@@@@@@"), vendor: Xiaomi }, // dated code: "2312DRAABC"
    ModelRule { needle: Shape("2+~#@@##@@"), vendor: Xiaomi }, // dated code: "23127PN0CC"
    ModelRule { needle: Shape("2+~###@@"), vendor: Xiaomi }, // dated code: "220733SG" (Redmi A1), "211033MI"
    ModelRule { needle: Shape("2+~####@"), vendor: Xiaomi }, // dated code: "2201123C"
    ModelRule { needle: Shape("2+~####@@"), vendor: Xiaomi }, // dated code: "2107113SG"
    ModelRule { needle: Shape("2+~#####@"), vendor: Xiaomi }, // dated code: "22101316G"
    ModelRule { needle: Shape("2+~#####@@"), vendor: Xiaomi }, // dated code: "22021119KR"
    ModelRule { needle: Shape("2+~#%%%%@"), vendor: Xiaomi }, // dated code, any letters: "2201123C"
    ModelRule { needle: Shape("2+~#%%%%%@"), vendor: Xiaomi }, // dated code, any letters: "2308CPXD0C", "22101316G"
    ModelRule { needle: Shape("2+~#%%%%%%@"), vendor: Xiaomi }, // dated code, any letters: "21061119BI"
    // OPPO, OnePlus, realme (one company, one app market).
    ModelRule { needle: WordStart("oppo"), vendor: Oppo }, // "OPPO R11s"
    ModelRule { needle: WordStart("oneplus"), vendor: Oppo }, // "ONEPLUS A6013", "OnePlus 7 Pro"
    ModelRule { needle: WordStart("realme"), vendor: Oppo }, // "Realme 3 Pro"
    ModelRule { needle: WordStart("reno"), vendor: Oppo }, // OPPO Reno: "Reno6 5G", "Reno Ace 2"
    ModelRule { needle: Prefix("find x"), vendor: Oppo }, // OPPO Find X: "Find X3 Pro"
    ModelRule { needle: Shape("chp####"), vendor: Oppo }, // "CHP2219" (a CPH code as some builds spell it)
    ModelRule { needle: Shape("p@@@##_*"), vendor: Oppo }, // OPPO China with a build suffix: "PERM10_K10"
    ModelRule { needle: Shape("p@@1#0_*"), vendor: Oppo }, // "PJU110_A1"
    ModelRule { needle: Prefix("rx17"), vendor: Oppo }, // "RX17Pro", "RX17Neo"
    ModelRule { needle: WordStart("nord"), vendor: Oppo }, // OnePlus Nord: "Nord N10 5G"
    ModelRule { needle: Shape("rmx####*"), vendor: Oppo }, // realme: "RMX3142"
    ModelRule { needle: Shape("cph####*"), vendor: Oppo }, // OPPO and OnePlus global: "CPH2185", "CPH2581"
    ModelRule { needle: Shape("p@@@##"), vendor: Oppo }, // OPPO China: "PCLM10", "PEGM00"
    ModelRule { needle: Shape("p@@1#0"), vendor: Oppo }, // OPPO/OnePlus China: "PHA120", "PGZ110"
    ModelRule { needle: Shape("opg##"), vendor: Oppo }, // OPPO Japan (au): "OPG01"
    ModelRule { needle: Shape("a###op"), vendor: Oppo }, // OPPO Japan: "A101OP"
    ModelRule { needle: Shape("one @####"), vendor: Oppo }, // OnePlus 2 / X: "ONE A2005", "ONE E1003"
    ModelRule { needle: Shape("a0001"), vendor: Oppo }, // OnePlus One
    ModelRule { needle: Shape("gm19##*"), vendor: Oppo }, // OnePlus 7: "GM1913"
    ModelRule { needle: Shape("hd19##*"), vendor: Oppo }, // OnePlus 7T: "HD1913"
    ModelRule { needle: Shape("in20##*"), vendor: Oppo }, // OnePlus 8: "IN2023"
    ModelRule { needle: Shape("kb20##*"), vendor: Oppo }, // OnePlus 8T: "KB2003"
    ModelRule { needle: Shape("le21##*"), vendor: Oppo }, // OnePlus 9: "LE2123"
    ModelRule { needle: Shape("ne22##*"), vendor: Oppo }, // OnePlus 10 Pro: "NE2213"
    ModelRule { needle: Shape("ac20##*"), vendor: Oppo }, // OnePlus Nord: "AC2003"
    ModelRule { needle: Shape("dn21##*"), vendor: Oppo }, // OnePlus Nord 2: "DN2103"
    ModelRule { needle: Shape("dn22##*"), vendor: Oppo }, // OnePlus Nord CE 2 Lite
    ModelRule { needle: Shape("eb21##*"), vendor: Oppo }, // OnePlus Nord CE: "EB2103"
    ModelRule { needle: Shape("be20##*"), vendor: Oppo }, // OnePlus Nord N10/N100: "BE2029"
    ModelRule { needle: Shape("de21##*"), vendor: Oppo }, // OnePlus Nord N200: "DE2118"
    ModelRule { needle: Shape("mt21##*"), vendor: Oppo }, // OnePlus 9RT: "MT2110"
    ModelRule { needle: Shape("iv22##*"), vendor: Oppo }, // OnePlus Ace China: "IV2201"
    ModelRule { needle: Shape("gn22##*"), vendor: Oppo }, // OnePlus Nord CE 3
    // vivo and iQOO.
    ModelRule { needle: Prefix("vivo"), vendor: Vivo }, // "vivo 1906", "vivo Y19t" (not "BLU VIVO")
    ModelRule { needle: WordStart("iqoo"), vendor: Vivo }, // "iQOO 8"
    ModelRule { needle: Shape("v1###"), vendor: Vivo }, // global: "V1901"
    ModelRule { needle: Shape("v2###"), vendor: Vivo }, // global: "V2111", "V2330"
    ModelRule { needle: Shape("v1###@"), vendor: Vivo }, // China: "V1981A"
    ModelRule { needle: Shape("v2###@"), vendor: Vivo }, // China: "V2059A", "V2229A"
    ModelRule { needle: Shape("v1###@@"), vendor: Vivo }, // "V1824BA"
    ModelRule { needle: Shape("v2###@@"), vendor: Vivo }, // "V2031EA"
    ModelRule { needle: Shape("v2###_*"), vendor: Vivo }, // "V2043_21"
    ModelRule { needle: Shape("i1###"), vendor: Vivo }, // iQOO: "I1927"
    ModelRule { needle: Shape("i2###"), vendor: Vivo }, // iQOO: "I2302"
    ModelRule { needle: Shape("v1###@#"), vendor: Vivo }, // "V1801A0"
    ModelRule { needle: Shape("y##@*"), vendor: Vivo }, // Y series without the maker's name: "Y20T", "Y55s 5G"
    // Honor: named, or a code Honor has shipped under its own name since the 2020 split.
    // (Honor phones sold before the split carry Huawei's AppGallery and count as Huawei.)
    ModelRule { needle: WordStart("honor"), vendor: Honor }, // "HONOR X9b", "Honor 30S"
    ModelRule { needle: Shape("adt-@*"), vendor: Honor }, // Honor (ADT-AN00); not "ADT-2" set-top boxes
    ModelRule { needle: Shape("agi-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("agt-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("ali-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("amg-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("amm-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("amp-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("anb-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("ann-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("anp-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("any-*"), vendor: Honor }, // Honor X30 / Magic4 Lite (ANY-AN00, ANY-LX1)
    ModelRule { needle: Shape("bkq-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("brc-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("brp-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("brt-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("bvl-*"), vendor: Honor }, // Honor Magic6 (BVL-AN00, BVL-N49)
    ModelRule { needle: Shape("clk-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("cma-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("crt-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("dio-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("dnp-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("dny-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("dvd-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("eli-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("elp-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("elz-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("fcp-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("flc-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("fne-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("fri-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("gia-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("hjc-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("hpb-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("jdy-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("jlh-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("koz-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("lge-*"), vendor: Honor }, // Honor 70 (LGE-AN00, LGE-NX9)
    ModelRule { needle: Shape("lgn-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("lly-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("lsa-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("maa-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("mbh-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("mgi-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("mtn-an*"), vendor: Honor }, // Honor (MTN-AN00); MTN- alone is also a carrier brand
    ModelRule { needle: Shape("mtn-nx*"), vendor: Honor }, // Honor (MTN-NX3)
    ModelRule { needle: Shape("nla-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("nth-*"), vendor: Honor }, // Honor 50 (NTH-AN00, NTH-NX9)
    ModelRule { needle: Shape("ntn-*"), vendor: Honor }, // Honor 50 Lite (NTN-LX1)
    ModelRule { needle: Shape("pgt-*"), vendor: Honor }, // Honor Magic5 (PGT-AN00, PGT-N19)
    ModelRule { needle: Shape("ptp-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("rbn-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("rea-*"), vendor: Honor }, // Honor 90 (REA-AN00, REA-NX9)
    ModelRule { needle: Shape("rky-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("rmo-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("rna-*"), vendor: Honor }, // Honor 60 (RNA-AN00)
    ModelRule { needle: Shape("tfy-*"), vendor: Honor }, // Honor X8 (TFY-LX1)
    ModelRule { needle: Shape("ver-*"), vendor: Honor }, // Honor Magic V2 (VER-AN10, VER-N49)
    ModelRule { needle: Shape("vne-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("wdy-*"), vendor: Honor }, // Honor code
    ModelRule { needle: Shape("wod-*"), vendor: Honor }, // Honor code
    // Huawei: named, or three letters, a dash and a Huawei region/network suffix.
    ModelRule { needle: WordStart("huawei"), vendor: Huawei }, // "HUAWEI MLA-AL10"
    ModelRule { needle: Prefix("mate "), vendor: Huawei }, // "Mate 40 RS"
    ModelRule { needle: Prefix("enjoy "), vendor: Huawei }, // "Enjoy 20 5G"
    ModelRule { needle: Prefix("nova "), vendor: Huawei }, // "nova 5T Pro", "nova 8i"
    ModelRule { needle: Prefix("peppa-"), vendor: Huawei }, // "Peppa-L23B"
    ModelRule { needle: Prefix("juliaqn-"), vendor: Huawei }, // "JuliaQN-L21B"
    ModelRule { needle: Prefix("marie-"), vendor: Huawei }, // "Marie-L21BX"
    ModelRule { needle: Shape("y# 20##"), vendor: Huawei }, // "Y6 2019"
    ModelRule { needle: Shape("###hw"), vendor: Huawei }, // SoftBank (Japan): "704HW"
    ModelRule { needle: Shape("@@@-al##*"), vendor: Huawei }, // China Mobile/Unicom: "CLT-AL01"
    ModelRule { needle: Shape("@@@-an##*"), vendor: Huawei }, // China 5G: "ELS-AN00", "NOH-AN00"
    ModelRule { needle: Shape("@@@-tl##*"), vendor: Huawei }, // China TD-LTE: "BND-TL10"
    ModelRule { needle: Shape("@@@-tn##*"), vendor: Huawei }, // China 5G: "BMH-TN10"
    ModelRule { needle: Shape("@@@-l##*"), vendor: Huawei }, // global LTE: "VOG-L29", "ELE-L29"
    ModelRule { needle: Shape("@@@-l#@*"), vendor: Huawei }, // global LTE: "CLT-L0J"
    ModelRule { needle: Shape("@@@-cl##*"), vendor: Huawei }, // China Telecom: "TAG-CL00"
    ModelRule { needle: Shape("@@@-u##*"), vendor: Huawei }, // 3G: "TIT-U02"
    ModelRule { needle: Shape("@@#-u##*"), vendor: Huawei }, // 3G: "HN3-U01"
    ModelRule { needle: Shape("@###-u##*"), vendor: Huawei }, // 3G: "Y221-U03"
    ModelRule { needle: Shape("@@@-lx#*"), vendor: Huawei }, // global LTE: "MAR-LX1A", "JNY-LX1"
    ModelRule { needle: Shape("@@@-nx#*"), vendor: Huawei }, // global 5G: "NOH-NX9"
    ModelRule { needle: Shape("@@@-n##*"), vendor: Huawei }, // global 5G: "OCE-N49"
    ModelRule { needle: Shape("@@@-w##*"), vendor: Huawei }, // Wi-Fi tablets: "BAH3-W09"
    ModelRule { needle: Shape("@@@#-*"), vendor: Huawei }, // tablets and older phones: "AGS3K-W09", "Che2-L11"
];
