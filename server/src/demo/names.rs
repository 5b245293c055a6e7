//! The words demo registrations are made of: Indonesian given and family names as they
//! are common in Bengkulu (Malay, Rejang, Serawai, Javanese and Minang families), birth
//! places, vocations, destination countries, skills, employers and the notes supervisors
//! write. Plain lists; [`super::person`] and [`super::generator`] pick from them.

pub const MALE_GIVEN: &[&str] = &[
    "Agus", "Ahmad", "Andi", "Arif", "Bambang", "Bayu", "Budi", "Dedi", "Deni", "Dimas", "Doni",
    "Eko", "Edi", "Fajar", "Fauzi", "Gilang", "Hadi", "Hendra", "Heru", "Ilham", "Imam", "Irfan",
    "Iwan", "Joko", "Juned", "Kurnia", "Lukman", "Muhammad", "Nanda", "Novri", "Rahmat", "Reza",
    "Rian", "Ridwan", "Rizki", "Rudi", "Safri", "Slamet", "Sutrisno", "Syahrial", "Taufik",
    "Teguh", "Wahyu", "Yoga", "Yudi", "Yusuf", "Zainal", "Zulkifli", "Aldi", "Ferdi",
];

pub const FEMALE_GIVEN: &[&str] = &[
    "Ani", "Ayu", "Citra", "Desi", "Dewi", "Dian", "Eka", "Elsa", "Erni", "Fitri", "Indah",
    "Intan", "Juliana", "Kartika", "Lestari", "Lia", "Maya", "Mega", "Melati", "Nur", "Nurul",
    "Okta", "Putri", "Rahma", "Ratna", "Rina", "Rini", "Sari", "Septi", "Siti", "Sri", "Suci",
    "Tuti", "Ulfa", "Vina", "Wulan", "Yanti", "Yuli", "Yulia", "Zahra", "Anisa", "Febri", "Helmi",
    "Linda", "Meli", "Nia", "Reni", "Susi", "Tari", "Winda",
];

/// Second given names, used for about half the people ("Muhammad Rizki …").
pub const MIDDLE_MALE: &[&str] = &[
    "Adi", "Agung", "Aji", "Dwi", "Eka", "Hidayat", "Indra", "Nur", "Putra", "Rahman", "Surya",
    "Tri", "Wira", "Yudha",
];

pub const MIDDLE_FEMALE: &[&str] = &[
    "Ayu", "Dwi", "Eka", "Indah", "Kurnia", "Nur", "Permata", "Puspita", "Ratna", "Sri", "Tri",
    "Wahyuni",
];

/// Family names men carry; the Batak clan names are everyone's.
pub const MALE_FAMILY: &[&str] = &[
    "Saputra",
    "Hidayat",
    "Pratama",
    "Wijaya",
    "Kurniawan",
    "Setiawan",
    "Ramadhan",
    "Firmansyah",
    "Syahputra",
    "Gunawan",
    "Irawan",
    "Santoso",
    "Susanto",
    "Suryadi",
    "Hartono",
    "Effendi",
    "Yusuf",
    "Rahman",
    "Hakim",
    "Lubis",
    "Siregar",
    "Nasution",
    "Harahap",
    "Hasibuan",
    "Sembiring",
];

/// Family names women carry.
pub const FEMALE_FAMILY: &[&str] = &[
    "Saputri",
    "Hidayati",
    "Lestari",
    "Amelia",
    "Maharani",
    "Anggraini",
    "Oktaviani",
    "Novitasari",
    "Wulandari",
    "Handayani",
    "Utami",
    "Febriani",
    "Rahmadani",
    "Fitriani",
    "Pratiwi",
    "Puspitasari",
    "Wijaya",
    "Lubis",
    "Siregar",
    "Nasution",
    "Harahap",
];

/// Streets, named as Indonesian streets are.
pub const STREETS: &[&str] = &[
    "Jl. Sudirman",
    "Jl. Ahmad Yani",
    "Jl. Soekarno-Hatta",
    "Jl. Fatmawati",
    "Jl. Merdeka",
    "Jl. Pariwisata",
    "Jl. Raya Padang Guci",
    "Jl. Lintas Barat",
    "Jl. Kapuang",
    "Jl. Danau",
];

/// Places of birth: Bengkulu's towns most often, some from neighbouring provinces.
pub const BIRTH_PLACES: &[&str] = &[
    "Bengkulu",
    "Bengkulu",
    "Bengkulu",
    "Manna",
    "Curup",
    "Argamakmur",
    "Bintuhan",
    "Tais",
    "Mukomuko",
    "Tubei",
    "Muara Aman",
    "Kepahiang",
    "Karang Tinggi",
    "Kota Padang",
    "Ipuh",
    "Lais",
    "Kaur",
    "Seluma",
    "Palembang",
    "Padang",
    "Lubuklinggau",
    "Jambi",
    "Bandar Lampung",
    "Jakarta",
];

pub const VOCATIONS: &[&str] = &[
    "Teknik Las",
    "Menjahit",
    "Otomotif Sepeda Motor",
    "Otomotif Mobil",
    "Tata Boga",
    "Operator Komputer",
    "Desain Grafis",
    "Instalasi Listrik",
    "Tata Rias",
    "Barista",
    "Pengolahan Hasil Perikanan",
    "Budidaya Kopi",
    "Pemasaran Digital",
    "Refrigerasi",
];

pub const COUNTRIES: &[&str] = &[
    "Jepang",
    "Korea Selatan",
    "Malaysia",
    "Taiwan",
    "Jerman",
    "Hongkong",
];

pub const SKILLS: &[&str] = &[
    "Mengemudi",
    "Bahasa Inggris",
    "Microsoft Office",
    "Memasak",
    "Bertani",
    "Berkebun kopi",
    "Perbengkelan",
    "Menjahit",
    "Pemasaran",
    "Menangkap ikan",
    "Pertukangan kayu",
    "Merias",
];

pub const EMPLOYERS: &[&str] = &[
    "CV Sinar Bengkulu",
    "PT Agro Muko",
    "Toko Sumber Rezeki",
    "Koperasi Tani Makmur",
    "PT Bio Nusantara",
    "Bengkel Jaya Motor",
    "Rumah Makan Padang Sederhana",
    "UD Kopi Kepahiang",
    "PT Pelabuhan Pulau Baai",
    "Konveksi Bunga Raflesia",
];

pub const POSITIONS: &[&str] = &[
    "Staf",
    "Operator",
    "Kasir",
    "Buruh harian",
    "Montir",
    "Juru masak",
    "Sopir",
    "Pramuniaga",
];

pub const MAJORS: &[&str] = &[
    "Teknik Mesin",
    "Teknik Komputer dan Jaringan",
    "Akuntansi",
    "Tata Busana",
    "Agribisnis",
    "Teknik Kendaraan Ringan",
];

/// What a supervisor writes when asking for a correction.
pub const CORRECTION_NOTES: &[&str] = &[
    "Foto KTP kurang jelas, mohon cek ulang NIK.",
    "Tanggal lahir tidak sama dengan KTP, mohon diperbaiki.",
    "Nomor HP tidak aktif, mohon minta nomor lain.",
    "Alamat RT/RW belum lengkap.",
    "Program yang dipilih belum sesuai minat, mohon konfirmasi.",
];

/// What a supervisor writes when rejecting.
pub const REJECTION_NOTES: &[&str] = &[
    "Usia di luar syarat program.",
    "Sudah terdaftar di program yang sama tahun ini.",
    "Orang yang bersangkutan menarik diri.",
    "Data tidak dapat diverifikasi di Dukcapil.",
];

/// What a supervisor sometimes writes when verifying.
pub const VERIFICATION_NOTES: &[&str] = &[
    "Sudah dicek dengan KTP.",
    "Data lengkap, lanjut ke seleksi.",
    "Terverifikasi lewat telepon.",
];

/// The province's vocational training centres (BLK) and one private training body.
pub const BLKS: &[&str] = &[
    "UPTD BLK Provinsi Bengkulu",
    "BLK Kabupaten Rejang Lebong",
    "BLK Kota Bengkulu",
    "BLK Kabupaten Bengkulu Utara",
    "BLK Komunitas Pesantren Pancasila",
    "LPK Raflesia Mandiri",
];

pub const BUSINESS_SECTORS: &[&str] = &[
    "Kuliner",
    "Jahit",
    "Bengkel",
    "Pertanian",
    "Perikanan",
    "Kopi",
    "Salon",
];

pub const BUSINESS_SUPPORT: &[&str] = &[
    "Modal usaha Rp 5 juta",
    "Peralatan usaha",
    "Pelatihan kewirausahaan",
    "Pendampingan",
];
