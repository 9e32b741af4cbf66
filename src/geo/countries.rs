//! ISO 3166-1 countries: alpha-2 code (what country databases return), numeric code (what the
//! Natural Earth shapes are keyed by), an English short name, and a point to put a marker at
//! for countries too small to have a shape at 1:110m (Singapore, Hong Kong, Malta ...).
//!
//! Generated once from the `iso-3166` npm package 4.4.0 (codes and names; MIT, (c) 2020 Titus
//! Wormer) and the `country-json` package 2.3.0 (the centre of each country's bounding box,
//! `country-by-geo-coordinates.json`; MIT, (c) 2015 Samson Daniel), with the long official names
//! shortened (`Bolivia` for `Bolivia, Plurinational State of`), hand-placed points where that
//! list had none or split a country over the antimeridian (Russia, Fiji ...), and Kosovo's
//! user-assigned `XK` (numeric 0: it has none), which databases return and Natural Earth draws.

/// A country.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code, `"US"`.
    pub code: &'static str,
    /// ISO 3166-1 numeric code, 840 (0 for `XK`).
    pub numeric: u16,
    /// English short name.
    pub name: &'static str,
    /// Latitude of a point inside (or near the middle of) the country, degrees.
    pub lat: f32,
    /// Longitude of that point, degrees.
    pub lon: f32,
}

const fn c(code: &'static str, numeric: u16, name: &'static str, lat: f32, lon: f32) -> Country {
    Country {
        code,
        numeric,
        name,
        lat,
        lon,
    }
}

/// Every country, by code.
pub static COUNTRIES: &[Country] = &[
    c("AD", 20, "Andorra", 42.54, 1.60),
    c("AE", 784, "United Arab Emirates", 24.36, 53.98),
    c("AF", 4, "Afghanistan", 33.93, 67.68),
    c("AG", 28, "Antigua and Barbuda", 17.36, -61.79),
    c("AI", 660, "Anguilla", 18.23, -63.07),
    c("AL", 8, "Albania", 41.16, 20.18),
    c("AM", 51, "Armenia", 40.07, 45.11),
    c("AO", 24, "Angola", -11.21, 17.88),
    c("AQ", 10, "Antarctica", -75.26, 0.00),
    c("AR", 32, "Argentina", -38.42, -63.59),
    c("AS", 16, "American Samoa", -12.72, -170.25),
    c("AT", 40, "Austria", 47.70, 13.35),
    c("AU", 36, "Australia", -26.85, 133.28),
    c("AW", 533, "Aruba", 12.52, -69.97),
    c("AX", 248, "Åland Islands", 60.20, 20.00),
    c("AZ", 31, "Azerbaijan", 40.15, 47.57),
    c("BA", 70, "Bosnia and Herzegovina", 43.89, 17.67),
    c("BB", 52, "Barbados", 13.18, -59.53),
    c("BD", 50, "Bangladesh", 23.69, 90.35),
    c("BE", 56, "Belgium", 50.50, 4.48),
    c("BF", 854, "Burkina Faso", 12.24, -1.56),
    c("BG", 100, "Bulgaria", 42.73, 25.49),
    c("BH", 48, "Bahrain", 26.04, 50.56),
    c("BI", 108, "Burundi", -3.39, 29.92),
    c("BJ", 204, "Benin", 9.32, 2.31),
    c("BL", 652, "Saint Barthélemy", 17.90, -62.83),
    c("BM", 60, "Bermuda", 32.32, -64.77),
    c("BN", 96, "Brunei", 4.53, 114.72),
    c("BO", 68, "Bolivia", -16.29, -63.55),
    c("BQ", 535, "Bonaire, Sint Eustatius and Saba", 12.18, -68.26),
    c("BR", 76, "Brazil", -14.24, -53.19),
    c("BS", 44, "Bahamas", 24.89, -76.71),
    c("BT", 64, "Bhutan", 27.52, 90.44),
    c("BV", 74, "Bouvet Island", -54.43, 3.41),
    c("BW", 72, "Botswana", -22.34, 24.68),
    c("BY", 112, "Belarus", 53.71, 27.97),
    c("BZ", 84, "Belize", 17.19, -88.50),
    c("CA", 124, "Canada", 62.39, -96.82),
    c("CC", 166, "Cocos (Keeling) Islands", -12.17, 96.84),
    c("CD", 180, "DR Congo", -2.88, 23.66),
    c("CF", 140, "Central African Republic", 6.61, 20.94),
    c("CG", 178, "Congo", -0.66, 14.93),
    c("CH", 756, "Switzerland", 46.82, 8.22),
    c("CI", 384, "Côte d'Ivoire", 7.55, -5.55),
    c("CK", 184, "Cook Islands", -15.98, -159.20),
    c("CL", 152, "Chile", -36.72, -73.60),
    c("CM", 120, "Cameroon", 7.37, 12.34),
    c("CN", 156, "China", 34.67, 104.17),
    c("CO", 170, "Colombia", 4.58, -74.30),
    c("CR", 188, "Costa Rica", 9.62, -84.25),
    c("CU", 192, "Cuba", 21.53, -79.54),
    c("CV", 132, "Cabo Verde", 16.00, -24.01),
    c("CW", 531, "Curaçao", 12.17, -68.98),
    c("CX", 162, "Christmas Island", -10.49, 105.62),
    c("CY", 196, "Cyprus", 35.17, 33.44),
    c("CZ", 203, "Czechia", 49.80, 15.48),
    c("DE", 276, "Germany", 51.17, 10.45),
    c("DJ", 262, "Djibouti", 11.81, 42.60),
    c("DK", 208, "Denmark", 56.16, 11.62),
    c("DM", 212, "Dominica", 15.42, -61.36),
    c("DO", 214, "Dominican Republic", 18.74, -70.16),
    c("DZ", 12, "Algeria", 28.03, 1.65),
    c("EC", 218, "Ecuador", -1.78, -78.13),
    c("EE", 233, "Estonia", 58.60, 25.02),
    c("EG", 818, "Egypt", 26.70, 30.80),
    c("EH", 732, "Western Sahara", 24.22, -12.89),
    c("ER", 232, "Eritrea", 15.18, 39.79),
    c("ES", 724, "Spain", 39.90, -2.49),
    c("ET", 231, "Ethiopia", 9.15, 40.49),
    c("FI", 246, "Finland", 64.95, 26.07),
    c("FJ", 242, "Fiji", -17.70, 178.10),
    c("FK", 238, "Falkland Islands", -51.80, -59.53),
    c("FM", 583, "Micronesia", 6.90, 158.20),
    c("FO", 234, "Faroe Islands", 61.90, -6.93),
    c("FR", 250, "France", 46.23, 2.21),
    c("GA", 266, "Gabon", -0.83, 11.60),
    c("GB", 826, "United Kingdom", 54.63, -3.43),
    c("GD", 308, "Grenada", 12.15, -61.69),
    c("GE", 268, "Georgia", 42.32, 43.37),
    c("GF", 254, "French Guiana", 3.95, -53.08),
    c("GG", 831, "Guernsey", 49.45, -2.58),
    c("GH", 288, "Ghana", 7.96, -1.03),
    c("GI", 292, "Gibraltar", 36.13, -5.35),
    c("GL", 304, "Greenland", 71.70, -42.18),
    c("GM", 270, "Gambia", 13.45, -15.31),
    c("GN", 324, "Guinea", 9.93, -11.28),
    c("GP", 312, "Guadeloupe", 16.19, -61.27),
    c("GQ", 226, "Equatorial Guinea", 1.63, 10.34),
    c("GR", 300, "Greece", 38.28, 23.81),
    c(
        "GS",
        239,
        "South Georgia and South Sandwich Is.",
        -56.72,
        -32.13,
    ),
    c("GT", 320, "Guatemala", 15.78, -90.23),
    c("GU", 316, "Guam", 13.44, 144.79),
    c("GW", 624, "Guinea-Bissau", 11.80, -15.18),
    c("GY", 328, "Guyana", 4.87, -58.93),
    c("HK", 344, "Hong Kong", 22.36, 114.14),
    c("HM", 334, "Heard and McDonald Islands", -53.05, 73.23),
    c("HN", 340, "Honduras", 14.75, -86.25),
    c("HR", 191, "Croatia", 44.49, 16.46),
    c("HT", 332, "Haiti", 19.05, -73.05),
    c("HU", 348, "Hungary", 47.16, 19.51),
    c("ID", 360, "Indonesia", -2.52, 118.02),
    c("IE", 372, "Ireland", 53.42, -8.24),
    c("IL", 376, "Israel", 31.42, 35.07),
    c("IM", 833, "Isle of Man", 54.24, -4.55),
    c("IN", 356, "India", 21.13, 82.80),
    c("IO", 86, "British Indian Ocean Territory", -6.35, 71.88),
    c("IQ", 368, "Iraq", 33.22, 43.69),
    c("IR", 364, "Iran", 32.42, 53.68),
    c("IS", 352, "Iceland", 64.96, -19.02),
    c("IT", 380, "Italy", 41.87, 12.56),
    c("JE", 832, "Jersey", 49.21, -2.13),
    c("JM", 388, "Jamaica", 18.12, -77.27),
    c("JO", 400, "Jordan", 31.28, 37.13),
    c("JP", 392, "Japan", 34.89, 134.38),
    c("KE", 404, "Kenya", 0.17, 37.90),
    c("KG", 417, "Kyrgyzstan", 41.21, 74.78),
    c("KH", 116, "Cambodia", 12.55, 104.98),
    c("KI", 296, "Kiribati", -3.36, -170.33),
    c("KM", 174, "Comoros", -11.88, 43.88),
    c("KN", 659, "Saint Kitts and Nevis", 17.26, -62.71),
    c("KP", 408, "North Korea", 40.34, 127.50),
    c("KR", 410, "South Korea", 35.90, 127.74),
    c("KW", 414, "Kuwait", 29.31, 47.49),
    c("KY", 136, "Cayman Islands", 19.51, -80.58),
    c("KZ", 398, "Kazakhstan", 48.00, 67.00),
    c("LA", 418, "Laos", 18.21, 103.90),
    c("LB", 422, "Lebanon", 33.87, 35.88),
    c("LC", 662, "Saint Lucia", 13.90, -60.97),
    c("LI", 438, "Liechtenstein", 47.16, 9.55),
    c("LK", 144, "Sri Lanka", 7.87, 80.77),
    c("LR", 430, "Liberia", 6.45, -9.43),
    c("LS", 426, "Lesotho", -29.62, 28.25),
    c("LT", 440, "Lithuania", 55.17, 23.91),
    c("LU", 442, "Luxembourg", 49.82, 6.13),
    c("LV", 428, "Latvia", 56.88, 24.61),
    c("LY", 434, "Libya", 26.30, 17.20),
    c("MA", 504, "Morocco", 31.79, -7.08),
    c("MC", 492, "Monaco", 43.74, 7.42),
    c("MD", 498, "Moldova", 46.98, 28.38),
    c("ME", 499, "Montenegro", 42.70, 19.37),
    c("MF", 663, "Saint Martin (French)", 18.07, -63.05),
    c("MG", 450, "Madagascar", -18.78, 46.85),
    c("MH", 584, "Marshall Islands", 10.10, 168.73),
    c("MK", 807, "North Macedonia", 41.61, 21.75),
    c("ML", 466, "Mali", 17.58, -4.00),
    c("MM", 104, "Myanmar", 21.90, 95.96),
    c("MN", 496, "Mongolia", 46.86, 103.84),
    c("MO", 446, "Macao", 22.20, 113.55),
    c("MP", 580, "Northern Mariana Islands", 17.33, 145.48),
    c("MQ", 474, "Martinique", 14.64, -61.02),
    c("MR", 478, "Mauritania", 21.01, -10.95),
    c("MS", 500, "Montserrat", 16.75, -62.19),
    c("MT", 470, "Malta", 35.94, 14.38),
    c("MU", 480, "Mauritius", -15.42, 60.01),
    c("MV", 462, "Maldives", 3.20, 73.17),
    c("MW", 454, "Malawi", -13.25, 34.30),
    c("MX", 484, "Mexico", 23.62, -102.58),
    c("MY", 458, "Malaysia", 4.11, 109.46),
    c("MZ", 508, "Mozambique", -18.67, 35.53),
    c("NA", 516, "Namibia", -22.97, 18.49),
    c("NC", 540, "New Caledonia", -21.12, 165.85),
    c("NE", 562, "Niger", 17.61, 8.08),
    c("NF", 574, "Norfolk Island", -29.03, 167.96),
    c("NG", 566, "Nigeria", 9.08, 8.67),
    c("NI", 558, "Nicaragua", 12.87, -85.21),
    c("NL", 528, "Netherlands", 52.13, 5.30),
    c("NO", 578, "Norway", 64.58, 17.86),
    c("NP", 524, "Nepal", 28.40, 84.13),
    c("NR", 520, "Nauru", -0.53, 166.92),
    c("NU", 570, "Niue", -19.05, -169.86),
    c("NZ", 554, "New Zealand", -40.84, 173.36),
    c("OM", 512, "Oman", 21.52, 55.86),
    c("PA", 591, "Panama", 8.42, -80.11),
    c("PE", 604, "Peru", -9.18, -75.00),
    c("PF", 258, "French Polynesia", -17.78, -143.90),
    c("PG", 598, "Papua New Guinea", -6.49, 148.40),
    c("PH", 608, "Philippines", 12.88, 121.77),
    c("PK", 586, "Pakistan", 30.44, 69.36),
    c("PL", 616, "Poland", 51.92, 19.14),
    c("PM", 666, "Saint Pierre and Miquelon", 46.97, -56.34),
    c("PN", 612, "Pitcairn", -24.37, -128.30),
    c("PR", 630, "Puerto Rico", 18.22, -66.59),
    c("PS", 275, "Palestine", 31.88, 34.90),
    c("PT", 620, "Portugal", 39.56, -7.84),
    c("PW", 585, "Palau", 5.64, 132.92),
    c("PY", 600, "Paraguay", -23.45, -58.45),
    c("QA", 634, "Qatar", 25.32, 51.20),
    c("RE", 638, "Réunion", -21.13, 55.53),
    c("RO", 642, "Romania", 45.95, 24.98),
    c("RS", 688, "Serbia", 22.00, 10.50),
    c("RU", 643, "Russia", 61.50, 105.30),
    c("RW", 646, "Rwanda", -1.95, 29.88),
    c("SA", 682, "Saudi Arabia", 23.89, 45.08),
    c("SB", 90, "Solomon Islands", -9.22, 161.25),
    c("SC", 690, "Seychelles", -7.02, 51.25),
    c("SD", 729, "Sudan", 15.46, 30.22),
    c("SE", 752, "Sweden", 62.20, 17.64),
    c("SG", 702, "Singapore", 1.36, 103.82),
    c("SH", 654, "Saint Helena", -11.95, -10.03),
    c("SI", 705, "Slovenia", 46.15, 14.99),
    c("SJ", 744, "Svalbard and Jan Mayen", 79.99, 25.49),
    c("SK", 703, "Slovakia", 48.67, 19.71),
    c("SL", 694, "Sierra Leone", 8.46, -11.80),
    c("SM", 674, "San Marino", 43.94, 12.46),
    c("SN", 686, "Senegal", 14.50, -14.45),
    c("SO", 706, "Somalia", 5.15, 46.20),
    c("SR", 740, "Suriname", 3.92, -56.03),
    c("SS", 728, "South Sudan", 7.86, 30.04),
    c("ST", 678, "Sao Tome and Principe", 0.86, 6.97),
    c("SV", 222, "El Salvador", 13.80, -88.91),
    c("SX", 534, "Sint Maarten (Dutch)", 18.04, -63.07),
    c("SY", 760, "Syria", 34.81, 39.06),
    c("SZ", 748, "Eswatini", -26.52, 31.47),
    c("TC", 796, "Turks and Caicos Islands", 21.69, -71.80),
    c("TD", 148, "Chad", 15.45, 18.74),
    c("TF", 260, "French Southern Territories", -43.76, 63.88),
    c("TG", 768, "Togo", 8.62, 0.83),
    c("TH", 764, "Thailand", 13.04, 101.49),
    c("TJ", 762, "Tajikistan", 38.86, 71.26),
    c("TK", 772, "Tokelau", -8.97, -171.86),
    c("TL", 626, "Timor-Leste", -8.80, 125.68),
    c("TM", 795, "Turkmenistan", 38.97, 59.56),
    c("TN", 788, "Tunisia", 33.89, 9.56),
    c("TO", 776, "Tonga", -18.51, -174.79),
    c("TR", 792, "Türkiye", 38.96, 35.25),
    c("TT", 780, "Trinidad and Tobago", 10.69, -61.22),
    c("TV", 798, "Tuvalu", -8.22, 177.96),
    c("TW", 158, "Taiwan", 23.70, 121.00),
    c("TZ", 834, "Tanzania", -6.37, 34.89),
    c("UA", 804, "Ukraine", 48.38, 31.17),
    c("UG", 800, "Uganda", 1.37, 32.30),
    c("UM", 581, "US Minor Outlying Islands", 19.30, 166.60),
    c("US", 840, "United States", 36.97, -95.84),
    c("UY", 858, "Uruguay", -32.53, -55.76),
    c("UZ", 860, "Uzbekistan", 41.38, 64.56),
    c("VA", 336, "Holy See", 41.90, 12.45),
    c("VC", 670, "Saint Vincent and the Grenadines", 12.98, -61.29),
    c("VE", 862, "Venezuela", 6.41, -66.58),
    c("VG", 92, "British Virgin Islands", 18.42, -64.64),
    c("VI", 850, "US Virgin Islands", 18.34, -64.90),
    c("VN", 704, "Viet Nam", 15.97, 105.81),
    c("VU", 548, "Vanuatu", -16.66, 168.22),
    c("WF", 876, "Wallis and Futuna", -13.77, -177.17),
    c("WS", 882, "Samoa", -13.74, -172.11),
    c("XK", 0, "Kosovo", 42.60, 20.90),
    c("YE", 887, "Yemen", 15.56, 48.53),
    c("YT", 175, "Mayotte", -12.82, 45.17),
    c("ZA", 710, "South Africa", -28.48, 24.68),
    c("ZM", 894, "Zambia", -13.15, 27.85),
    c("ZW", 716, "Zimbabwe", -19.01, 29.15),
];

/// The country with alpha-2 code `code` (any case).
pub fn by_code(code: &str) -> Option<&'static Country> {
    let up = code.to_ascii_uppercase();
    COUNTRIES
        .binary_search_by(|c| c.code.cmp(up.as_str()))
        .ok()
        .and_then(|i| COUNTRIES.get(i))
}

/// The country with ISO numeric code `n` (not 0).
pub fn by_numeric(n: u16) -> Option<&'static Country> {
    if n == 0 {
        return None;
    }
    COUNTRIES.iter().find(|c| c.numeric == n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_sane() {
        for w in COUNTRIES.windows(2) {
            assert!(w[0].code < w[1].code, "{} {}", w[0].code, w[1].code);
        }
        for c in COUNTRIES {
            assert_eq!(c.code.len(), 2);
            assert!(c.lat.abs() <= 90.0 && c.lon.abs() <= 180.0, "{}", c.code);
            assert!(!c.name.is_empty());
        }
        assert_eq!(COUNTRIES.len(), 250);
        assert_eq!(by_code("us").map(|c| c.numeric), Some(840));
        assert_eq!(by_code("DE").map(|c| c.name), Some("Germany"));
        assert_eq!(by_numeric(36).map(|c| c.code), Some("AU"));
        assert_eq!(by_code("XK").map(|c| c.name), Some("Kosovo"));
        assert!(by_code("ZZ").is_none());
        assert!(by_numeric(0).is_none());
    }
}
