//! Check digits and shape rules of national identifiers, one function per identifier.
//! Each takes the identifier's letters and digits with separators removed (upper case)
//! and says whether it is well-formed; none looks at the text around it.

use super::credit_card::luhn_valid;

fn digits(s: &[u8]) -> Option<Vec<u32>> {
    s.iter().map(|&b| b.is_ascii_digit().then(|| u32::from(b - b'0'))).collect()
}

fn ascii(d: &[u32]) -> Vec<u8> {
    d.iter().map(|&x| b'0' + x as u8).collect()
}

fn two_digits(s: &[u8]) -> u32 {
    u32::from(s[0] - b'0') * 10 + u32::from(s[1] - b'0')
}

/// A plausible day and month (day 1–31, month 1–12).
fn day_month(day: u32, month: u32) -> bool {
    (1..=31).contains(&day) && (1..=12).contains(&month)
}

/// Weighted sum mod 11 as many schemes use it.
fn weighted(d: &[u32], weights: &[u32]) -> u32 {
    d.iter().zip(weights).map(|(a, b)| a * b).sum()
}

const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// India Aadhaar: 12 digits, not starting with 0 or 1, Verhoeff check digit.
pub fn aadhaar(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 12 || d[0] < 2 {
        return false;
    }
    let mut c = 0u8;
    for (i, &x) in d.iter().rev().enumerate() {
        c = VERHOEFF_D[c as usize][VERHOEFF_P[i % 8][x as usize] as usize];
    }
    c == 0
}

/// India PAN: five letters (the fourth says the holder's kind), four digits, a letter.
pub fn pan(s: &[u8]) -> bool {
    s.len() == 10
        && s[..5].iter().all(u8::is_ascii_uppercase)
        && b"PCHABGJLFT".contains(&s[3])
        && s[5..9].iter().all(u8::is_ascii_digit)
        && s[9].is_ascii_uppercase()
}

/// Turkey TC Kimlik: 11 digits, no leading 0, two check digits.
pub fn tc_kimlik(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 11 || d[0] == 0 {
        return false;
    }
    let odd = d[0] + d[2] + d[4] + d[6] + d[8];
    let even = d[1] + d[3] + d[5] + d[7];
    (odd * 7 + 10 * 9 - even) % 10 == d[9] && d[..10].iter().sum::<u32>() % 10 == d[10]
}

/// Italy codice fiscale: 16 characters, its last a check letter.
pub fn codice_fiscale(s: &[u8]) -> bool {
    const ODD: [u32; 26] =
        [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
    if s.len() != 16 || !s.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let mut sum = 0;
    for (i, &c) in s[..15].iter().enumerate() {
        let v = if c.is_ascii_digit() { u32::from(c - b'0') } else { u32::from(c - b'A') };
        sum += if i % 2 == 0 { ODD[v as usize] } else { v };
    }
    u32::from(s[15]) == u32::from(b'A') + sum % 26
}

/// Brazil CPF: 11 digits, not all the same, two mod-11 check digits.
pub fn cpf(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 11 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let check = |n: usize| {
        let sum: u32 = (0..n).map(|i| d[i] * (n as u32 + 1 - i as u32)).sum();
        let r = sum * 10 % 11;
        if r == 10 {
            0
        } else {
            r
        }
    };
    check(9) == d[9] && check(10) == d[10]
}

/// Brazil CNPJ: 14 digits, not all the same, two mod-11 check digits.
pub fn cnpj(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 14 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let check = |weights: &[u32]| {
        let r = weighted(&d, weights) % 11;
        if r < 2 {
            0
        } else {
            11 - r
        }
    };
    check(&[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) == d[12] && check(&[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) == d[13]
}

/// Sweden personnummer: YYMMDD + 4 digits (or with the century), a valid date (a
/// coordination number adds 60 to the day) and a Luhn check over the 10-digit form.
pub fn personnummer(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    let d = match d.len() {
        10 => d,
        12 => d[2..].to_vec(),
        _ => return false,
    };
    let day = d[4] * 10 + d[5];
    let day = if day > 60 { day - 60 } else { day };
    day_month(day, d[2] * 10 + d[3]) && luhn_valid(&ascii(&d))
}

/// Norway fødselsnummer: DDMMYY (a D-number adds 40 to the day) + 5 digits, two
/// mod-11 check digits.
pub fn fodselsnummer(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 11 {
        return false;
    }
    let day = d[0] * 10 + d[1];
    let day = if day > 40 { day - 40 } else { day };
    let check = |weights: &[u32]| match 11 - weighted(&d, weights) % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k),
    };
    day_month(day, d[2] * 10 + d[3])
        && check(&[3, 7, 6, 1, 8, 9, 4, 5, 2]) == Some(d[9])
        && check(&[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) == Some(d[10])
}

/// Denmark CPR: DDMMYY + 4 digits with a valid date (no check digit since 2007).
pub fn cpr(s: &[u8]) -> bool {
    s.len() == 10 && s.iter().all(u8::is_ascii_digit) && day_month(two_digits(&s[0..2]), two_digits(&s[2..4]))
}

/// Finland HETU: DDMMYY, a century sign, 3 digits and a check character. The `-` sign
/// is a separator to the caller, so it may be gone (10 characters).
pub fn hetu(s: &[u8]) -> bool {
    const CHECK: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";
    let s: Vec<u8> = match s.len() {
        10 => [&s[..6], b"-".as_slice(), &s[6..]].concat(),
        11 => s.to_vec(),
        _ => return false,
    };
    if !b"+-ABCDEFUVWXY".contains(&s[6]) {
        return false;
    }
    let mut number: Vec<u8> = s[..6].to_vec();
    number.extend_from_slice(&s[7..10]);
    let Some(d) = digits(&number) else { return false };
    let n = d.iter().fold(0u64, |acc, &x| acc * 10 + u64::from(x));
    day_month(d[0] * 10 + d[1], d[2] * 10 + d[3]) && CHECK[(n % 31) as usize] == s[10]
}

/// Poland PESEL: 11 digits, weights 1 3 7 9, a valid month (with the century offset).
pub fn pesel(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 11 {
        return false;
    }
    let sum = weighted(&d, &[1, 3, 7, 9, 1, 3, 7, 9, 1, 3]);
    let month = (d[2] * 10 + d[3]) % 20;
    day_month(d[4] * 10 + d[5], month) && (10 - sum % 10) % 10 == d[10]
}

/// France NIR: 13 characters (Corsica's 2A/2B as departments) and a 2-digit key,
/// 97 − (number mod 97).
pub fn nir(s: &[u8]) -> bool {
    if s.len() != 15 || !matches!(s[0], b'1' | b'2') {
        return false;
    }
    let mut body = s[..13].to_vec();
    let corsica = match (body[5], body[6]) {
        (b'2', b'A') => Some(1_000_000),
        (b'2', b'B') => Some(2_000_000),
        _ => None,
    };
    if corsica.is_some() {
        body[6] = b'0';
    }
    let Some(d) = digits(&body) else { return false };
    let Some(key) = digits(&s[13..]) else { return false };
    let mut n = d.iter().fold(0u64, |acc, &x| acc * 10 + u64::from(x));
    if let Some(shift) = corsica {
        n -= shift;
    }
    let month = d[3] * 10 + d[4];
    let key = u64::from(key[0] * 10 + key[1]);
    ((1..=12).contains(&month) || (20..=99).contains(&month)) && key == 97 - n % 97
}

/// Belgium national number: YYMMDD + 3 digits + 2 check digits, 97 − (number mod 97),
/// with a 2 in front for births from 2000.
pub fn belgian_nn(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 11 {
        return false;
    }
    let n = d[..9].iter().fold(0u64, |acc, &x| acc * 10 + u64::from(x));
    let check = u64::from(d[9] * 10 + d[10]);
    check == 97 - n % 97 || check == 97 - (2_000_000_000 + n) % 97
}

/// Portugal NIF: 9 digits, a valid first digit, mod-11 check digit.
pub fn nif_pt(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 9 || !matches!(d[0], 1 | 2 | 3 | 5 | 6 | 8 | 9) {
        return false;
    }
    let r = 11 - weighted(&d, &[9, 8, 7, 6, 5, 4, 3, 2]) % 11;
    (if r >= 10 { 0 } else { r }) == d[8]
}

/// Germany Steuer-ID: 11 digits, no leading 0, ISO 7064 MOD 11,10 check digit.
pub fn steuer_id(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 11 || d[0] == 0 {
        return false;
    }
    let mut product = 10;
    for &x in &d[..10] {
        let mut sum = (x + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = sum * 2 % 11;
    }
    let check = if 11 - product == 10 { 0 } else { 11 - product };
    check == d[10]
}

/// UK NHS number: 10 digits, mod-11 check digit (10 is never valid).
pub fn nhs(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 10 {
        return false;
    }
    match 11 - weighted(&d, &[10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11 {
        11 => d[9] == 0,
        10 => false,
        k => k == d[9],
    }
}

/// US ITIN: 9XX, a group of 50–65, 70–88, 90–92 or 94–99, and 4 digits.
pub fn itin(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    let group = d.get(3).zip(d.get(4)).map(|(a, b)| a * 10 + b);
    d.len() == 9 && d[0] == 9 && matches!(group, Some(50..=65 | 70..=88 | 90..=92 | 94..=99))
}

/// Canada SIN: 9 digits, not starting with 0 or 8, Luhn.
pub fn sin(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    d.len() == 9 && d[0] != 0 && d[0] != 8 && luhn_valid(&ascii(&d))
}

/// Australia TFN: 9 digits with weights 1 4 3 7 5 8 6 9 10, sum divisible by 11.
pub fn tfn(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    d.len() == 9 && weighted(&d, &[1, 4, 3, 7, 5, 8, 6, 9, 10]) % 11 == 0
}

/// Mexico CURP: 18 characters, its last a check digit over the other 17.
pub fn curp(s: &[u8]) -> bool {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMN\xd1OPQRSTUVWXYZ";
    if s.len() != 18 || !matches!(s[10], b'H' | b'M') || !s[17].is_ascii_digit() {
        return false;
    }
    let mut sum = 0u32;
    for (i, &c) in s[..17].iter().enumerate() {
        let Some(v) = ALPHABET.iter().position(|&a| a == c) else { return false };
        sum += v as u32 * (18 - i as u32);
    }
    (10 - sum % 10) % 10 == u32::from(s[17] - b'0') && day_month(two_digits(&s[8..10]), two_digits(&s[6..8]))
}

/// Mexico RFC (a person's): four letters, YYMMDD and three characters.
pub fn rfc(s: &[u8]) -> bool {
    s.len() == 13
        && s[..4].iter().all(u8::is_ascii_uppercase)
        && s[4..10].iter().all(u8::is_ascii_digit)
        && day_month(two_digits(&s[8..10]), two_digits(&s[6..8]))
        && s[10..].iter().all(u8::is_ascii_alphanumeric)
}

/// China resident identity card: 18 characters, a birth date, ISO 7064 MOD 11-2.
pub fn china_id(s: &[u8]) -> bool {
    const CHECK: &[u8; 11] = b"10X98765432";
    if s.len() != 18 {
        return false;
    }
    let Some(d) = digits(&s[..17]) else { return false };
    let sum = weighted(&d, &[7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]);
    day_month(d[12] * 10 + d[13], d[10] * 10 + d[11]) && CHECK[(sum % 11) as usize] == s[17]
}

/// Japan My Number: 12 digits, the last a check digit over the other 11.
pub fn my_number(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 12 {
        return false;
    }
    let sum: u32 = (1..=11).map(|n| d[11 - n] * if n <= 6 { n as u32 + 1 } else { n as u32 - 5 }).sum();
    let r = sum % 11;
    (if r <= 1 { 0 } else { 11 - r }) == d[11]
}

/// Korea resident registration number: YYMMDD, a sex/century digit and 6 digits.
pub fn korea_rrn(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    d.len() == 13 && (1..=8).contains(&d[6]) && day_month(d[4] * 10 + d[5], d[2] * 10 + d[3])
}

/// [`korea_rrn`] with the check digit of numbers issued before October 2020.
pub fn korea_rrn_checked(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    korea_rrn(s) && (11 - weighted(&d, &[2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]) % 11) % 10 == d[12]
}
