"""Synthetic, deterministic demo data for the North Sumatra MSME registry.

`DemoGenerator` turns (N, seed) into rows in PostgreSQL COPY text format — owners, enterprises,
yearly reports and permits — in chunks, so that `seed_demo` can stream 1.2 million enterprises
without per-row ORM saves. Same N and seed give the same rows (ids, names, NIK, NIB, figures); only the
Fernet ciphertext of a NIK differs between runs (it carries a timestamp and a random IV by design).

Distributions and their sources (see ../shared/reference/real-data.md §2):
- regency share: `bobot_sintetis_pct` of real-data/sumut_kabkota_reference.csv (SE2016 business shares for
  the five largest units, population for the rest); district: uniform among the regency's districts;
- sector: SE2016 mix (G ≈ 45 %, I ≈ 20 %, C ≈ 20 % mostly KBLI division 10, S ≈ 8 %, the rest spread);
- size class of the latest report: 98.9 % micro and small, 1.1 % medium and large (1,153,758 of 1,166,918);
  micro sales lognormal with a median of Rp3.75 juta a month (σ = 1), cut at Rp2 M a year (PP 7/2021);
- women own 57 % of micro enterprises; 20 % hold an NIB; 3 % are closed.
Ethnic mixes per regency and the name lists are modelling assumptions written for this demo, not data.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import math
import multiprocessing
import random
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from cryptography.fernet import Fernet
from stdnum import luhn

from . import identity
from .sizing import CAPITAL_LIMITS, OMZET_LIMITS

REPORT_YEARS = (2022, 2023, 2024, 2025)
FOUNDED_FIRST, FOUNDED_LAST = 1990, 2025
NIB_FIRST_YEAR = 2018  # OSS started issuing NIB in July 2018.

# kode Kemendagri → bobot_sintetis_pct (real-data/sumut_kabkota_reference.csv).
REGENCY_WEIGHTS = {
    "12.01": 2.31, "12.02": 2.07, "12.03": 2.03, "12.04": 0.92, "12.05": 7.82, "12.06": 2.64, "12.07": 10.71,
    "12.08": 5.44, "12.09": 5.61, "12.10": 3.20, "12.11": 2.08, "12.12": 1.38, "12.13": 3.13, "12.14": 2.31,
    "12.15": 0.36, "12.16": 1.32, "12.17": 0.94, "12.18": 4.35, "12.19": 2.96, "12.20": 1.71, "12.21": 1.69,
    "12.22": 2.07, "12.23": 2.49, "12.24": 0.96, "12.25": 0.61, "12.71": 19.93, "12.72": 1.75, "12.73": 0.63,
    "12.74": 1.17, "12.75": 1.97, "12.76": 1.15, "12.77": 1.45, "12.78": 0.86,
}

# Size class of the latest report: share, and how its annual sales are drawn.
CLASS_SHARES = {"mikro": 0.965, "kecil": 0.024, "menengah": 0.009, "besar": 0.002}
MICRO_OMZET_MEDIAN = 45_000_000  # Rp3.75 juta a month
MICRO_OMZET_SIGMA = 1.0
WOMEN_SHARE = {"mikro": 0.57, "kecil": 0.40, "menengah": 0.25, "besar": 0.25}
NIB_SHARE = {"mikro": 0.185, "kecil": 0.70, "menengah": 0.90, "besar": 0.98}
CLOSED_SHARE = 0.032  # of those founded before the last report year: ≈ 3 % of all
NO_NIK_SHARE = 0.10
SECOND_ENTERPRISE_SHARE = 0.015  # an owner who runs a second business in the same district

# --- ethnic groups: given names, family names (marga), how a name is written ---------------------------------

GROUPS = {
    "toba": {
        "L": "Parlindungan Togar Hotman Poltak Tigor Binsar Sahat Maruli Marulitua Hasiholan Jonggi Pardamean Bonar "
        "Tumpal Robert Jhonson Ferdinand Rudolf Benny Roy Hendrik Daniel Samuel Jansen Ronald Hisar Manahan Saut "
        "Lamhot Mangasi Darwin Edison Nelson Hotland Janter Marihot Parulian Sahala",
        "P": "Rosmawati Tiurma Rumondang Dame Nurmaida Lasmaria Hotnida Masniari Rosida Erlina Sondang Tiomas Romauli "
        "Lamria Dorma Rotua Rosdiana Martha Roslin Melva Herlina Nurhaida Lenny Rugun Tiorida Friska Yohana Debora "
        "Sinta Intan Ruth Junita Maria Tetty Nelly Hotmauli Lamtiur",
        "family": "Simanjuntak Sitompul Hutagalung Panjaitan Pardede Sitorus Siahaan Simatupang Nainggolan Silalahi "
        "Sinaga Manurung Sihombing Situmorang Hutapea Pasaribu Tambunan Marpaung Sirait Napitupulu Pakpahan "
        "Simbolon Sagala Gultom Hutabarat Aritonang Butarbutar Simamora Siburian Tampubolon Sianturi Samosir "
        "Hutauruk Tobing Siregar Sihotang Manalu Nababan Pangaribuan Simorangkir Siagian Lumbantoruan",
        "style": "marga_br",
        "hon_L": ["Pak", "Amang", "Bang", "Op."],
        "hon_P": ["Inang", "Mak", "Kak", "Op."],
    },
    "karo": {
        "L": "Malem Sastra Petrus Andreas Jhon Edi Darwin Terang Ukur Kenan Tenang Selamat Sentosa Rasita Pelita "
        "Nuah Jakub Matius Eben Amri Kamsen Ramli Dinasti Rehmalem Pinem",
        "P": "Rina Pinta Ulina Mehuli Natalia Lisnawati Ernita Rasmi Sarmalina Tiara Ersa Nurmala Rosmalem Juliana "
        "Desi Ernawati Merry Ria Sasmita Malemta Seh Ate Rehulina Sripinta",
        "family": "Ginting Tarigan Sembiring Karo-Karo Perangin-angin Sitepu Barus Surbakti Sinulingga Bangun Sebayang "
        "Sinuraya Brahmana Meliala Pelawi Purba Kaban Keliat Milala Sinuhaji Depari Colia Gurusinga Pandia",
        "style": "marga_br",
        "hon_L": ["Bapa", "Bang", "Pak"],
        "hon_P": ["Nande", "Kak", "Bibi"],
    },
    "simalungun": {
        "L": "Sarmedi Jaintar Radiaman Sariaman Hermanto Darmen Jonatan Mansen Bonifasius Lamsaruddin Anggiat "
        "Jadiaman Riduan Rudianto Jan Wiserdo Pardomuan Sahmuddin",
        "P": "Rospita Sariana Linda Rosma Nurlince Juliana Marlina Delima Sartika Nurmala Rospinta Hotmaida Erni "
        "Tiamsah Rosita Herawati",
        "family": "Purba Saragih Damanik Sinaga Girsang Sipayung Munthe Garingging Sumbayak Tambak Dasuha Sidauruk "
        "Sigiro Sitopu Purba Tambak",
        "style": "marga_br",
        "hon_L": ["Pak", "Bang"],
        "hon_P": ["Inang", "Kak"],
    },
    "pakpak": {
        "L": "Jusman Monang Sahbudin Jonni Darman Herman Lister Bastian Josua Saut Kusnin Hotben Pangihutan Rahmat",
        "P": "Rosmina Ramaida Nurhaida Senita Erlina Lasma Rita Dewi Elfrida Marta Sarianna Rosnani",
        "family": "Angkat Berutu Bintang Capah Padang Solin Boangmanalu Cibro Manik Kudadiri Sinamo Banurea "
        "Tumangger Kabeakan Lingga Maha Sitakar Ujung Pasi Tinendung",
        "style": "marga_br",
        "hon_L": ["Pak", "Bang"],
        "hon_P": ["Inang", "Kak"],
    },
    "mandailing": {
        "L": "Ahmad Syahrul Iskandar Baharuddin Zulkifli Parlaungan Amiruddin Irwansyah Rahmat Khairul Sutan Fahri "
        "Ridwan Syamsul Ilham Taufik Faisal Hamzah Mukhlis Arifin Nurdin Safaruddin Yusuf Hasan Ali Imran Muhammad",
        "P": "Nurhayati Rahmawati Nurlela Masitah Asmidar Fatimah Khadijah Rosmaini Nurhasanah Hafsah Sarimah Rosdiana "
        "Nurbaiti Nurjannah Halimah Zuraidah Asnah Mariam Salamah Nurasiah Rukiah Siti Aisyah Nur Aini",
        "family": "Nasution Lubis Harahap Siregar Hasibuan Pulungan Rangkuti Batubara Daulay Matondang Parinduri "
        "Dalimunthe Ritonga Pohan Tanjung Rambe Hutasuhut Pane Dongoran Hasibuan Nasution Lubis Harahap",
        "style": "marga",
        "hon_L": ["Pak", "Bang", "Haji"],
        "hon_P": ["Bu", "Kak", "Umak"],
    },
    "nias": {
        "L": "Yulius Yason Yafeti Otanius Yanus Yaredi Sozisokhi Faoziduhu Arozatulo Fatiaro Amonius Yamonaha "
        "Sökhiaro Faogöli Yanotona Oktavianus Fatizaro Aroziduhu Tuhoni Adrianus",
        "P": "Yuliana Martiana Sofiana Dermawati Ester Fatolosa Meliani Erlinawati Fatiani Yasminar Efarina Ratna "
        "Kristina Liniati Sarmawati Yusniati",
        "family": "Zebua Gulö Telaumbanua Harefa Laia Hia Zalukhu Ndruru Waruwu Mendröfa Lase Gea Daeli Halawa Zega "
        "Larosa Bu'ulölö Zai Baeha Lahagu Hulu Wau Duha Giawa Lombu Hondrö Sarumaha",
        "style": "marga",
        "hon_L": ["Ama", "Pak"],
        "hon_P": ["Ina", "Bu"],
    },
    "melayu": {
        "L": "Syahrial Azhar Zainal Rusli Saiful Hamdan Ismail Ridwan Fauzi Darwis Abdul Wahab Hasbullah Zulkarnain "
        "Syamsuddin Mahmud Amran Erwin Rahmad Suhaimi Azmi Khairuddin Tengku Rizal Wan Azman",
        "P": "Nurhalimah Zubaidah Rosnah Mariani Salmah Juliana Rohani Maimunah Nurlaila Zainab Asiah Rosmiati "
        "Nurhidayah Hasanah Jamilah Azizah Rahimah Syarifah Tengku Rahmah Wan Nurlela",
        "family": "Effendi Syahputra Hamid Rahman Syah Harun Yusuf Saleh Hanum Sari Wati Ningsih",
        "style": "second",
        "hon_L": ["Pak", "Bang", "Wak", "Atok"],
        "hon_P": ["Mak", "Kak", "Wak", "Makcik"],
    },
    "jawa": {
        "L": "Sugianto Slamet Joko Budi Suparno Wagiman Sutrisno Eko Heru Bambang Suyono Paiman Ponimin Sukirman "
        "Suprapto Tukiman Ngadimin Sunaryo Wahyudi Agus Teguh Yudi Rudi Sugeng Supriadi Puji Mulyono Hadi Kasmin "
        "Sarmin Sarwono Legiman",
        "P": "Suminah Wagiyem Sumiati Endang Sulastri Ponirah Sukarti Ngatini Suwarni Yuliani Suparmi Kasiyem "
        "Sunarti Tumini Wartini Rini Purwanti Lestari Sugiarti Sutinah Painem Mardiyah Tuminah Sri Wahyuni "
        "Tri Rahayu Dwi Astuti Siti Aminah Siti Khodijah",
        "family": "Santoso Prasetyo Wibowo Hartono Susanto Saputra Nugroho Setiawan Purnomo Ningsih Lestari Wati "
        "Rahayu Astuti Handayani Susanti",
        "style": "second",
        "hon_L": ["Pak", "Mas", "Pakde", "Cak"],
        "hon_P": ["Bu", "Mbak", "Budhe"],
    },
    "tionghoa": {
        "L": "Hendra Sutanto Rudy Johan Wilson Kevin Jimmy Hartono Ahong Acong Aliong Herman Edward Frans Suwandi "
        "Budiman Tommy Wandy Andy Ferry Hendrik Sunarto Erwin Hery Benny Aseng Akiong",
        "P": "Lily Meiliana Susanti Vivian Lina Cindy Yenny Herlina Lisa Fenny Melly Linda Suryani Sherly Winnie "
        "Elvina Yulia Agustina Meliyanti Susi Jessica Nancy Rosalina Mei Ling",
        "family": "Wijaya Tanoto Halim Gunawan Salim Santoso Kurniawan Tan Lim Lie Sutanto Hartanto Chandra Setiawan "
        "Wibisono Tjandra Sugianto Ong Kho Goh Wong Lukito Susilo Hakim Tjahyadi",
        "style": "marga",
        "hon_L": ["Ko", "Apek", "A"],
        "hon_P": ["Ci", "Cici", "Ibu"],
    },
    "minang": {
        "L": "Syafri Rizal Afrizal Yusri Erwin Dasril Yuliandri Zulhendri Fauzan Syafrizal Asril Jasmir Nofrizal "
        "Deswandi Hendri Masrul Alfian Yendri Irwan Zulkifli",
        "P": "Yusnimar Rosmaniar Yenni Deswita Nofrita Elvi Desmawati Yulinar Yusneli Ernawati Fitri Rosnelly "
        "Asnimar Nurhayati Rahmi Delvi Yulisma Welly Misrawati Sri Hartati",
        "family": "Chaniago Piliang Sikumbang Koto Jambak Tanjung Caniago Malin",
        "style": "second",
        "hon_L": ["Uda", "Pak"],
        "hon_P": ["Uni", "Bu", "Amak"],
    },
}
# Compound given names are written with a space; the lists above split on spaces, so join known pairs.
_COMPOUNDS = (
    "Ali Imran", "Siti Aisyah", "Nur Aini", "Abdul Wahab", "Tengku Rizal", "Wan Azman", "Tengku Rahmah",
    "Wan Nurlela", "Sri Wahyuni", "Tri Rahayu", "Dwi Astuti", "Siti Aminah", "Siti Khodijah", "Mei Ling",
    "Sri Hartati", "Seh Ate", "Jan Wiserdo", "Purba Tambak",
)


def _split_names(text: str) -> list[str]:
    for compound in _COMPOUNDS:
        text = text.replace(compound, compound.replace(" ", "_"))
    return [word.replace("_", " ") for word in text.split()]


for _group in GROUPS.values():
    for _key in ("L", "P", "family"):
        _group[_key] = _split_names(_group[_key])

# Ethnic mix per regency (modelling assumption from census-era descriptions, not data).
_MIX_COAST = {"jawa": 45, "melayu": 20, "toba": 15, "mandailing": 10, "tionghoa": 4, "minang": 3, "simalungun": 2,
              "karo": 1}
_MIX_TOBA = {"toba": 92, "jawa": 2, "mandailing": 2, "tionghoa": 1, "minang": 1, "simalungun": 1, "karo": 1}
_MIX_TAPSEL = {"mandailing": 80, "jawa": 8, "toba": 6, "minang": 4, "melayu": 1, "tionghoa": 1}
_MIX_NIAS = {"nias": 93, "toba": 2, "minang": 2, "tionghoa": 2, "melayu": 1}
_MIX_SIBOLGA = {"toba": 45, "mandailing": 15, "minang": 12, "nias": 10, "melayu": 8, "jawa": 5, "tionghoa": 5}
ETHNIC_MIX = {
    "12.71": {"jawa": 30, "toba": 20, "tionghoa": 11, "mandailing": 10, "minang": 8, "melayu": 8, "karo": 6,
              "simalungun": 3, "nias": 2, "pakpak": 2},
    "12.07": {"jawa": 50, "toba": 12, "karo": 12, "melayu": 9, "mandailing": 6, "tionghoa": 4, "minang": 3,
              "simalungun": 2, "nias": 1, "pakpak": 1},
    "12.05": {"jawa": 56, "melayu": 15, "karo": 10, "toba": 7, "mandailing": 5, "tionghoa": 3, "minang": 2,
              "simalungun": 1, "pakpak": 1},
    "12.06": {"karo": 75, "toba": 8, "jawa": 6, "pakpak": 3, "simalungun": 3, "tionghoa": 2, "mandailing": 2,
              "minang": 1},
    "12.08": {"jawa": 42, "simalungun": 25, "toba": 22, "karo": 3, "mandailing": 3, "tionghoa": 2, "melayu": 2,
              "minang": 1},
    "12.72": {"toba": 40, "jawa": 20, "simalungun": 15, "tionghoa": 12, "mandailing": 5, "minang": 4, "karo": 3,
              "melayu": 1},
    "12.75": {"jawa": 40, "karo": 20, "toba": 12, "melayu": 10, "mandailing": 6, "tionghoa": 6, "minang": 4,
              "simalungun": 1, "pakpak": 1},
    "12.11": {"toba": 35, "pakpak": 35, "karo": 12, "jawa": 7, "mandailing": 4, "simalungun": 3, "nias": 2,
              "minang": 2},
    "12.15": {"pakpak": 75, "toba": 12, "karo": 5, "jawa": 4, "mandailing": 2, "minang": 2},
    "12.74": {**_MIX_COAST, "tionghoa": 10},
    **{code: _MIX_COAST for code in ("12.09", "12.10", "12.18", "12.19", "12.22", "12.23", "12.76")},
    **{code: _MIX_TOBA for code in ("12.02", "12.12", "12.16", "12.17")},
    **{code: _MIX_TAPSEL for code in ("12.03", "12.13", "12.20", "12.21", "12.77")},
    **{code: _MIX_NIAS for code in ("12.04", "12.14", "12.24", "12.25", "12.78")},
    **{code: _MIX_SIBOLGA for code in ("12.01", "12.73")},
}

# --- kinds of business per KBLI 2020 division: (weight in %, [(name, 5-digit KBLI, weight), ...]) -------

SECTORS = {
    "47": (38.0, [("Warung", "47112", 30), ("Toko Kelontong", "47112", 14), ("Kedai", "47112", 10),
                  ("Toko Sembako", "47112", 8), ("Kios Pulsa", "47413", 6), ("Konter HP", "47413", 4),
                  ("Toko Pakaian", "47711", 6), ("Butik", "47711", 2), ("Toko Bangunan", "47521", 3),
                  ("Toko Kue", "47241", 3), ("Toko Tani", "47763", 4), ("Kios Sayur", "47211", 4),
                  ("Toko Ulos", "47511", 1), ("Toko Online", "47911", 3), ("Toko Kosmetik", "47722", 2)]),
    "46": (3.0, [("UD", "46900", 5), ("Grosir", "46900", 3), ("Agen Beras", "46311", 2), ("Agen Ikan", "46324", 1),
                 ("Pengepul Kopi", "46209", 1), ("Agen Sawit", "46206", 1)]),
    "45": (4.0, [("Bengkel", "45405", 5), ("Bengkel Motor", "45405", 4), ("Doorsmeer", "45202", 4),
                 ("Tambal Ban", "45405", 2), ("Toko Onderdil", "45404", 2), ("Bengkel Mobil", "45201", 1)]),
    "56": (19.0, [("Rumah Makan", "56102", 14), ("Kedai Kopi", "56303", 12), ("Warung Kopi", "56303", 8),
                  ("Mie Aceh", "56103", 3), ("Lontong Medan", "56103", 4), ("Soto Medan", "56102", 2),
                  ("Lapo", "56102", 4), ("Rumah Makan Padang", "56102", 4), ("Bakso", "56103", 4),
                  ("Sate Padang", "56104", 3), ("Mie Gomak", "56103", 2), ("Nasi Goreng", "56104", 4),
                  ("Pecal", "56103", 3), ("Jus", "56304", 3), ("Katering", "56210", 2), ("Ayam Penyet", "56102", 3)]),
    "55": (1.0, [("Penginapan", "55199", 3), ("Homestay", "55130", 2), ("Losmen", "55199", 1), ("Wisma", "55120", 1)]),
    "10": (12.0, [("Bika Ambon", "10710", 6), ("Keripik", "10794", 8), ("Keripik Ubi", "10794", 4),
                  ("Kue", "10792", 8), ("Roti", "10710", 5), ("Dodol", "10732", 2), ("Tahu", "10392", 4),
                  ("Tempe", "10391", 4), ("Ikan Asin", "10221", 3), ("Kopi Bubuk", "10761", 4),
                  ("Kerupuk", "10794", 4), ("Lemang", "10792", 2), ("Teri Medan", "10221", 2),
                  ("Andaliman", "10774", 1), ("Bolu", "10710", 3), ("Sambal", "10774", 2)]),
    "11": (1.0, [("Sirup Markisa", "11040", 3), ("Air Isi Ulang", "11052", 4), ("Tuak", "11030", 1)]),
    "13": (1.2, [("Ulos", "13121", 5), ("Tenun Ulos", "13121", 3), ("Songket", "13123", 2)]),
    "14": (2.5, [("Konveksi", "14111", 5), ("Penjahit", "14120", 6), ("Bordir", "14111", 1), ("Sablon", "14111", 1)]),
    "16": (1.0, [("Panglong", "16101", 3), ("Ukiran", "16292", 1)]),
    "31": (0.8, [("Mebel", "31001", 3), ("Meubel", "31001", 1)]),
    "25": (0.5, [("Bengkel Las", "25920", 3), ("Pandai Besi", "25931", 1)]),
    "23": (0.4, [("Batu Bata", "23921", 3), ("Gerabah", "23933", 1)]),
    "18": (0.3, [("Percetakan", "18111", 2), ("Digital Printing", "18111", 1)]),
    "32": (0.3, [("Kerajinan", "32909", 3), ("Kerajinan Manik", "32909", 1)]),
    "96": (6.0, [("Laundry", "96200", 5), ("Salon", "96112", 5), ("Pangkas Rambut", "96111", 4),
                 ("Barbershop", "96111", 2), ("Rias Pengantin", "96112", 1)]),
    "95": (2.0, [("Servis HP", "95120", 3), ("Servis Elektronik", "95210", 3), ("Sol Sepatu", "95230", 1)]),
    "01": (1.5, [("Kebun Jeruk", "01230", 2), ("Ternak Ayam", "01461", 3), ("Kebun Kopi", "01270", 2),
                 ("Usaha Tani", "01131", 3), ("Ternak Babi", "01450", 1)]),
    "03": (0.8, [("Keramba", "03225", 2), ("Tambak", "03222", 2), ("Nelayan", "03111", 1)]),
    "49": (1.2, [("Betor", "49421", 3), ("Angkutan", "49431", 2), ("Ekspedisi", "49431", 1)]),
    "62": (0.2, [("Jasa Website", "62019", 1)]),
    "77": (0.6, [("Sewa Tenda", "77299", 3), ("Rental Mobil", "77100", 2)]),
    "82": (0.5, [("Fotokopi", "82190", 3)]),
    "74": (0.3, [("Studio Foto", "74201", 3)]),
    "85": (0.5, [("Bimbel", "85499", 3), ("Kursus Menjahit", "85499", 1)]),
    "68": (0.5, [("Rumah Kos", "68111", 3)]),
    "38": (0.3, [("Botot", "38301", 3), ("Bank Sampah", "38302", 1)]),
    "93": (0.3, [("Kolam Pancing", "93299", 2), ("Futsal", "93119", 1)]),
    "43": (0.3, [("Jasa Instalasi Listrik", "43211", 1), ("Jasa Bangunan", "43302", 1)]),
}
TRADE_DIVISIONS = {"45", "46", "47"}
FOOD_DIVISIONS = {"10", "11"}

PHRASES = (
    "Sinar Jaya", "Maju Jaya", "Berkah", "Rezeki", "Harapan Baru", "Sumber Rezeki", "Mandiri", "Horas", "Mejuah-juah",
    "Ya'ahowu", "Sehati", "Dos Ni Roha", "Bersama", "Anugerah", "Barokah", "Sederhana", "Abadi", "Makmur", "Sentosa",
    "Bintang", "Cahaya", "Jaya Abadi", "Sinar Baru", "Mulia", "Murah Meriah", "Tiga Saudara", "Dua Putri", "Family",
    "Bersaudara", "Karya Bersama", "Harapan Kita", "Berkah Ilahi", "Restu Ibu", "Sahabat", "Pelangi", "Gemilang",
    "Permata", "Setia", "Idaman", "Lestari", "Kasih Ibu", "Serasi", "Sejahtera", "Saroha", "Martabe", "Sauduran",
)
COMPANY_WORDS = ("Jaya", "Mandiri", "Sejahtera", "Abadi", "Utama", "Perkasa", "Sentosa", "Makmur", "Lestari",
                 "Nusantara")
# KPP (tax office) part of a legacy 15-digit NPWP; plausible North Sumatran office codes.
TAX_OFFICES = ("111", "112", "113", "114", "115", "116", "117", "118", "119", "121", "122", "123", "124", "125", "126",
               "127", "128", "129")
COMPANY_LABELS = {"cv": "CV", "pt": "PT", "pt_perorangan": "PT", "koperasi": "Koperasi", "firma": "Firma"}
STREETS = (
    "Sisingamangaraja", "Gatot Subroto", "Imam Bonjol", "Diponegoro", "Sudirman", "Merdeka", "Pahlawan", "Pasar",
    "Lintas Sumatera", "Kartini", "Ahmad Yani", "Gereja", "Masjid", "Pelabuhan", "Perintis Kemerdekaan", "Bhayangkara",
    "Besar", "Sutomo", "Thamrin", "Cokroaminoto", "Veteran", "Pemuda", "Kapten Muslim", "Setia Budi", "Letda Sujono",
    "Tuasan", "Sei Batang Hari", "Pancing", "Karya", "Bakti", "Mawar", "Melati", "Kenanga", "Flamboyan", "Sipirok",
    "Balige", "Siliwangi", "Asahan", "Lubuk Pakam", "Rakyat",
)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
PHONE_PREFIXES = ("0811", "0812", "0813", "0821", "0822", "0823", "0852", "0853", "0814", "0815", "0816", "0855",
                  "0856", "0857", "0858", "0817", "0818", "0819", "0859", "0877", "0878", "0895", "0896", "0897",
                  "0898", "0899", "0881", "0882", "0883")
LEGAL_FORMS_MICRO = (("perorangan", 96.5), ("pt_perorangan", 1.5), ("cv", 1.0), ("koperasi", 0.5), ("lainnya", 0.5))
LEGAL_FORMS_LARGER = (("perorangan", 45), ("cv", 25), ("pt", 15), ("pt_perorangan", 10), ("koperasi", 3), ("firma", 2))


# --- the generator -------------------------------------------------------------------------------------------


@dataclass
class Reference:
    """What the generator needs from the reference tables."""

    districts: dict[str, list[tuple[str, str]]]  # regency code → [(district code, name)], sorted by code
    sector_ids: dict[str, int]  # KBLI 2020 division code → Sector.id


@dataclass
class Chunk:
    """The rows of one batch, as lines of COPY text per table."""

    owners: list[str] = field(default_factory=list)
    enterprises: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    permits: list[str] = field(default_factory=list)

    def payload(self) -> dict[str, tuple[int, bytes]]:
        """Table key → (row count, COPY text as UTF-8), in the order the rows are loaded."""
        return {
            key: (len(rows), "".join(rows).encode())
            for key, rows in (("owner", self.owners), ("enterprise", self.enterprises),
                              ("yearlyreport", self.reports), ("permit", self.permits))
        }


OWNER_COLUMNS = ("id", "created_at", "updated_at", "name", "nik_hash", "nik_encrypted", "nik_masked", "sex", "phone",
                 "email")
ENTERPRISE_COLUMNS = ("id", "created_at", "updated_at", "name", "nib", "npwp", "owner_id", "address", "regency_id",
                      "district_id", "sector_id", "kbli_code", "founded_year", "legal_form", "is_active", "size_class")
REPORT_COLUMNS = ("id", "created_at", "updated_at", "enterprise_id", "year", "omzet", "capital", "employees", "source")
PERMIT_COLUMNS = ("id", "created_at", "updated_at", "enterprise_id", "kind", "number", "issued_on", "expires_on")


def _cumulative(weights):
    return list(accumulate(weights))


def _ceil_to(value: float, unit: int) -> int:
    return max(unit, math.ceil(value / unit) * unit)


def _unit(value: float) -> int:
    """Reported figures are round numbers: Rp100 ribu below Rp2 M, Rp1 juta below Rp50 M, else Rp10 juta."""
    return 100_000 if value <= 2_000_000_000 else 1_000_000 if value <= 50_000_000_000 else 10_000_000


def size_class_of(omzet: int | None, capital: int | None) -> str | None:
    """PP 7/2021 as registry.sizing applies it: latest annual sales decide, capital when there are no sales yet."""
    for value, limits in ((omzet, OMZET_LIMITS), (capital, CAPITAL_LIMITS)):
        if value is not None:
            for name, limit in limits.items():
                if value <= limit:
                    return name
            return "besar"
    return None


def _ascii_slug(text: str) -> str:
    table = str.maketrans({"ö": "o", "'": "", " ": "", "-": "", ".": ""})
    return text.lower().translate(table)


def nik_keys() -> tuple[bytes, bytes]:
    """The keys registry.identity protects NIKs with: (HMAC key of nik_hash, Fernet key of nik_encrypt).

    Handed to the generator explicitly so that it can run in a helper process without Django settings.
    """
    return identity.nik_keys()


class DemoGenerator:
    """Yields `Chunk`s of rows; ids start at the given bases so rows can reference each other without a round trip."""

    def __init__(
        self, *, seed: int, reference: Reference, now: str, id_base: dict[str, int], keys: tuple[bytes, bytes]
    ):
        self.seed = seed
        self.rnd = random.Random(f"sumut-umkm-demo:{seed}")
        self.ref = reference
        self.now = now
        self.next_id = dict(id_base)
        self.first_enterprise_id = id_base["enterprise"]
        self.nik_serials: dict[str, int] = {}
        self.nib_count = 0
        # NIB: prefix + a bijection of a counter onto 10 digits, so NIBs are unique without a look-up table.
        self.nib_mult = self.rnd.randrange(1, 10**9) * 10 + 3  # odd and not a multiple of 5: invertible mod 10^10
        self.nib_add = self.rnd.randrange(10**10)
        # The same protection as Owner.set_nik (identity.nik_hash / nik_encrypt / nik_mask), with the key
        # schedule set up once instead of per row.
        self._hmac = hmac.new(keys[0], digestmod=hashlib.sha256)
        self._fernet = Fernet(keys[1])
        self._prepare_tables()

    # -- lookup tables built once --------------------------------------------------------------------------

    def _prepare_tables(self) -> None:
        codes = [code for code in REGENCY_WEIGHTS if self.ref.districts.get(code)]
        self.regencies = codes
        self.regency_cw = _cumulative(REGENCY_WEIGHTS[c] for c in codes)
        self.group_names = list(GROUPS)
        self.group_cw = {
            code: _cumulative(ETHNIC_MIX[code].get(name, 0) for name in self.group_names) for code in codes
        }
        kinds, weights = [], []
        for division, (share, options) in SECTORS.items():
            total = sum(w for _, _, w in options)
            for name, kbli, w in options:
                kinds.append((division, self.ref.sector_ids[division], name, kbli))
                weights.append(share * w / total)
        self.kinds, self.kind_cw = kinds, _cumulative(weights)
        self.class_names = list(CLASS_SHARES)
        self.class_cw = _cumulative(CLASS_SHARES.values())
        self.legal_micro = ([f for f, _ in LEGAL_FORMS_MICRO], _cumulative(w for _, w in LEGAL_FORMS_MICRO))
        self.legal_larger = ([f for f, _ in LEGAL_FORMS_LARGER], _cumulative(w for _, w in LEGAL_FORMS_LARGER))
        years = list(range(FOUNDED_FIRST, FOUNDED_LAST + 1))
        self.founded_years, self.founded_cw = years, _cumulative(1.08 ** (y - FOUNDED_FIRST) for y in years)
        # Birth dates as (DDMM for men, DDMM for women) per day of a non-leap year.
        day = date(2001, 1, 1)
        self.birth_days = []
        while day.year == 2001:
            self.birth_days.append((f"{day.day:02d}{day.month:02d}", f"{day.day + 40:02d}{day.month:02d}"))
            day += timedelta(days=1)
        self.days_by_year = {}
        for year in range(NIB_FIRST_YEAR, REPORT_YEARS[-1] + 1):
            start = date(year, 7, 9) if year == NIB_FIRST_YEAR else date(year, 1, 1)
            self.days_by_year[year] = [(start + timedelta(days=i)).isoformat() for i in range((date(year, 12, 31) -
                                                                                              start).days + 1)]
        self.slugs: dict[str, str] = {}

    def _pick(self, names, cw):
        return names[bisect.bisect(cw, self.rnd.random() * cw[-1])]

    # -- rows ----------------------------------------------------------------------------------------------

    def chunks(self, total: int, size: int = 20_000) -> Iterator[Chunk]:
        """Batches of about `size` enterprises; the rows do not depend on `size`, only on the seed and `total`."""
        done = 0
        while done < total:
            chunk = Chunk()
            while len(chunk.enterprises) < size and done + len(chunk.enterprises) < total:
                self._owner_with_enterprises(chunk, room=total - done - len(chunk.enterprises))
            done += len(chunk.enterprises)
            yield chunk

    def _owner_with_enterprises(self, chunk: Chunk, *, room: int) -> None:
        rnd = self.rnd
        r = rnd.random
        pick = self._pick
        regency = pick(self.regencies, self.regency_cw)
        districts = self.ref.districts[regency]
        district, district_name = districts[int(r() * len(districts))]
        size_class = pick(self.class_names, self.class_cw)
        female = r() < WOMEN_SHARE[size_class]
        group = GROUPS[pick(self.group_names, self.group_cw[regency])]
        sex = "P" if female else "L"
        given_list = group[sex]
        given = given_list[int(r() * len(given_list))]
        family = group["family"][int(r() * len(group["family"]))]
        style = group["style"]
        if style == "marga_br":
            full = f"{given} br {family}" if female and r() < 0.6 else f"{given} {family}"
        elif style == "marga":
            full = f"{given} {family}"
        else:
            full = f"{given} {family}" if r() < 0.5 and " " not in given else given
        owner_id = self.next_id["owner"]
        self.next_id["owner"] += 1
        now = self.now
        # NIK: district digits + DDMMYY (women +40 on the day) + a serial counting people with the same prefix.
        if r() < NO_NIK_SHARE:
            nik_cols = "\\N\t\t"
        else:
            birth_year = min(2007, max(1950, int(rnd.gauss(1978, 11))))
            ddmm = self.birth_days[int(r() * 365)][female]
            prefix = f"{district.replace('.', '')}{ddmm}{birth_year % 100:02d}"
            serial = self.nik_serials.get(prefix, 0) + 1
            self.nik_serials[prefix] = serial
            nik = f"{prefix}{serial:04d}"
            digest = self._hmac.copy()
            digest.update(nik.encode())
            token = self._fernet.encrypt(nik.encode()).decode()
            nik_cols = f"{digest.hexdigest()}\t{token}\t{nik[:4]}********{nik[12:]}"
        phone = f"{PHONE_PREFIXES[int(r() * len(PHONE_PREFIXES))]}{int(r() * 10**8):08d}" if r() < 0.85 else ""
        email = ""
        if r() < 0.12:
            slug = self.slugs.get(full)
            if slug is None:
                slug = self.slugs[full] = ".".join(_ascii_slug(part) for part in full.split(" ") if part != "br")
            email = f"{slug}{int(r() * 100)}@{'gmail.com' if r() < 0.8 else 'yahoo.co.id'}"
        chunk.owners.append(f"{owner_id}\t{now}\t{now}\t{full}\t{nik_cols}\t{sex}\t{phone}\t{email}\n")
        owner = (given, family, group, female, full)
        self._enterprise(chunk, owner_id, owner, regency, district, district_name, size_class)
        if room > 1 and r() < SECOND_ENTERPRISE_SHARE:
            second_class = pick(self.class_names, self.class_cw)
            self._enterprise(chunk, owner_id, owner, regency, district, district_name, second_class)

    def _enterprise(self, chunk, owner_id, owner, regency, district, district_name, size_class) -> None:
        rnd = self.rnd
        r = rnd.random
        now = self.now
        given, family, group, female, full = owner
        micro = size_class == "mikro"
        pick = self._pick
        division, sector_id, kind, kbli = pick(self.kinds, self.kind_cw)
        founded = pick(self.founded_years, self.founded_cw)
        if not micro:  # larger enterprises tend to be older
            founded = min(founded, pick(self.founded_years, self.founded_cw))
        legal_form = pick(*(self.legal_micro if micro else self.legal_larger))
        name = self._enterprise_name(kind, division, legal_form, given, family, group, female, district_name, micro)
        enterprise_id = self.next_id["enterprise"]
        self.next_id["enterprise"] += 1
        has_nib = r() < NIB_SHARE[size_class]
        nib = "\\N"
        if has_nib:
            issued_year = NIB_FIRST_YEAR + int(r() * (REPORT_YEARS[-1] - NIB_FIRST_YEAR + 1))
            issued_year = max(issued_year, min(founded, REPORT_YEARS[-1]))
            self.nib_count += 1
            body = (self.nib_mult * self.nib_count + self.nib_add) % 10**10
            nib = f"{'812' if issued_year < 2021 else '912'}{body:010d}"
            days = self.days_by_year[issued_year]
            permit_id = self.next_id["permit"]
            self.next_id["permit"] += 1
            chunk.permits.append(f"{permit_id}\t{now}\t{now}\t{enterprise_id}\tnib\t{nib}\t{days[int(r() * len(days))]}"
                                 f"\t\\N\n")
        # Companies (CV, PT, koperasi) mostly have their own NPWP; a person's NPWP is their NIK, kept off this field.
        npwp = ""
        if legal_form in COMPANY_LABELS and r() < 0.8:
            body = f"0{1 + int(r() * 3)}{int(r() * 10**6):06d}"
            npwp = f"{body}{luhn.calc_check_digit(body)}{TAX_OFFICES[int(r() * len(TAX_OFFICES))]}000"
        if regency >= "12.71" or r() < 0.45:
            address = f"Jl. {STREETS[int(r() * len(STREETS))]} No. {1 + int(r() * 250)}, Kec. {district_name}"
        else:
            address = f"Dusun {ROMAN[int(r() * 6)]}, Kec. {district_name}"
        last_year = REPORT_YEARS[-1] if r() < 0.92 else REPORT_YEARS[-2]
        last_year = max(last_year, min(founded, REPORT_YEARS[-1]))
        active = True
        if founded < REPORT_YEARS[-1] and r() < CLOSED_SHARE:
            active = False
            first_possible = max(REPORT_YEARS[0], founded)
            last_year = first_possible + int(r() * (REPORT_YEARS[-2] - first_possible + 1))
        # A first guess with the PP 7/2021 limits; the graduation engine recomputes every class at the end.
        computed_class = self._reports(chunk, enterprise_id, size_class, founded, last_year) or "\\N"
        chunk.enterprises.append(
            f"{enterprise_id}\t{now}\t{now}\t{name}\t{nib}\t{npwp}\t{owner_id}\t{address}\t{regency}\t{district}\t"
            f"{sector_id}\t{kbli}\t{founded}\t{legal_form}\t{'t' if active else 'f'}\t{computed_class}\n"
        )
        if division in FOOD_DIVISIONS or division == "56":
            self._food_permits(chunk, enterprise_id, regency, division, founded)

    def _enterprise_name(self, kind, division, legal_form, given, family, group, female, place, micro) -> str:
        r = self.rnd.random
        label = COMPANY_LABELS.get(legal_form)
        if label:
            phrase = PHRASES[int(r() * len(PHRASES))]
            word = COMPANY_WORDS[int(r() * len(COMPANY_WORDS))]
            return f"{label} {kind} {phrase}" if legal_form == "koperasi" else f"{label} {phrase} {word}"
        if not micro and division in TRADE_DIVISIONS and r() < 0.5:
            return f"UD {PHRASES[int(r() * len(PHRASES))]}"
        x = r()
        if x < 0.30:
            return f"{kind} {given}"
        if x < 0.45:
            honorifics = group["hon_P" if female else "hon_L"]
            return f"{kind} {honorifics[int(r() * len(honorifics))]} {given.split(' ')[-1]}"
        if x < 0.55 and group["style"] != "second":
            return f"{kind} {'Boru ' if female and group['style'] == 'marga_br' else ''}{family}"
        if x < 0.70:
            return f"{kind} {place}"
        if x < 0.95:
            return f"{kind} {PHRASES[int(r() * len(PHRASES))]}"
        return f"{kind} {PHRASES[int(r() * len(PHRASES))]} {place}"

    def _latest_omzet(self, size_class: str) -> float:
        rnd = self.rnd
        if size_class == "mikro":
            if rnd.random() < 0.004:  # close to the micro ceiling: next year's graduates
                return rnd.uniform(1_200_000_000, OMZET_LIMITS["mikro"])
            mu = math.log(MICRO_OMZET_MEDIAN)
            while True:
                value = rnd.lognormvariate(mu, MICRO_OMZET_SIGMA)
                if value <= OMZET_LIMITS["mikro"]:
                    return value
        # Within a class, more enterprises sit near the lower bound (a falling, truncated exponential in log).
        low, high, rate = {
            "kecil": (OMZET_LIMITS["mikro"], OMZET_LIMITS["kecil"], 1.3),
            "menengah": (OMZET_LIMITS["kecil"], OMZET_LIMITS["menengah"], 1.0),
            "besar": (OMZET_LIMITS["menengah"], 500_000_000_000, 1.2),
        }[size_class]
        while True:
            value = low * math.exp(rnd.expovariate(rate))
            if value <= high:
                return value

    def _reports(self, chunk, enterprise_id, size_class, founded, last_year) -> str | None:
        """Append the yearly reports; return the size class they give (see size_class_of)."""
        rnd = self.rnd
        r = rnd.random
        now = self.now
        first_year = max(REPORT_YEARS[0], min(founded, last_year))
        x = r()
        if x >= 0.62:  # not everyone reported every year
            first_year = min(last_year, first_year + (1 if x < 0.80 else 2 if x < 0.92 else 3))
        omzet = self._latest_omzet(size_class)
        if size_class == "mikro":
            capital_ratio = rnd.lognormvariate(-0.9, 0.5)
            employees = (1, 1, 1, 1, 2, 2, 2, 3, 3, 4)[int(r() * 10)]
        else:
            capital_ratio = rnd.lognormvariate(-1.2, 0.4)
            low, high = {"kecil": (5, 19), "menengah": (20, 99), "besar": (100, 450)}[size_class]
            employees = low + int(r() * (high - low + 1))
        capital_missing = r() < 0.05
        figures = []
        for year in range(last_year, first_year - 1, -1):
            unit = _unit(omzet)
            reported = _ceil_to(omzet, unit)
            capital = "\\N" if capital_missing else min(_ceil_to(reported * capital_ratio, unit), 10**14)
            figures.append((year, reported, capital, employees))
            omzet = omzet / math.exp(rnd.gauss(0.05, 0.22))  # one year earlier: sales drift
            if r() < 0.15:
                employees = max(1, employees + (1 if r() < 0.5 else -1))
        report_id = self.next_id["yearlyreport"]
        append = chunk.reports.append
        latest_omzet = latest_capital = None
        for year, reported, capital, staff in reversed(figures):
            # A business founded this year may have registered its capital before its first sales.
            if year == founded == REPORT_YEARS[-1] and r() < 0.5:
                reported = "\\N"
                capital = min(capital, CAPITAL_LIMITS["mikro"]) if capital != "\\N" else 5_000_000
            append(f"{report_id}\t{now}\t{now}\t{enterprise_id}\t{year}\t{reported}\t{capital}\t{staff}\tdemo\n")
            report_id += 1
            if reported != "\\N":
                latest_omzet = reported
            if capital != "\\N":
                latest_capital = capital
        self.next_id["yearlyreport"] = report_id
        return size_class_of(latest_omzet, latest_capital)

    def _food_permits(self, chunk, enterprise_id, regency, division, founded) -> None:
        r = self.rnd.random
        now = self.now
        first = max(NIB_FIRST_YEAR, min(founded, REPORT_YEARS[-1]))
        ordinal = enterprise_id - self.first_enterprise_id + 1  # not the id: numbers must not depend on sequences
        for kind, share in (("pirt", 0.15 if division in FOOD_DIVISIONS else 0.0), ("halal", 0.10)):
            if r() >= share:
                continue
            year = first + int(r() * (REPORT_YEARS[-1] - first + 1))
            issued = self.days_by_year[year][int(r() * len(self.days_by_year[year]))]
            if kind == "pirt":  # P-IRT: valid five years; the number carries the regency code
                number = f"P-IRT {regency.replace('.', '')}{ordinal:010d}-{(year + 5) % 100:02d}"
                expires = f"{year + 5}{issued[4:]}" if issued[5:] != "02-29" else f"{year + 5}-02-28"
            else:  # halal certificates issued since 2022 no longer expire (UU 6/2023)
                number = f"ID12{110000000000 + ordinal}"
                expires = "\\N"
            permit_id = self.next_id["permit"]
            self.next_id["permit"] += 1
            chunk.permits.append(f"{permit_id}\t{now}\t{now}\t{enterprise_id}\t{kind}\t{number}\t{issued}\t{expires}\n")


# --- running the generator beside the loader ------------------------------------------------------------


def _produce(sender, params: dict, total: int, chunk_size: int) -> None:
    """Helper-process body: send each chunk's payload, then None; on failure the traceback as a string."""
    try:
        for chunk in DemoGenerator(**params).chunks(total, size=chunk_size):
            sender.send(chunk.payload())
        sender.send(None)
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        sender.send(traceback.format_exc())
    finally:
        sender.close()


def stream_payloads(*, total: int, chunk_size: int, in_subprocess: bool, **params) -> Iterator[dict]:
    """Chunk payloads (see Chunk.payload) for `total` enterprises.

    With in_subprocess the rows are made in a helper process (its own interpreter and GIL) while the caller
    streams the previous chunk into PostgreSQL: the two then run on two cores. A thread does not do this
    well: the COPY thread needs the GIL after every 128 kB it sends and waits for the generating thread.
    """
    if not in_subprocess:
        for chunk in DemoGenerator(**params).chunks(total, size=chunk_size):
            yield chunk.payload()
        return
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited database connection
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_produce, args=(sender, params, total, chunk_size), name="seed-demo-generator", daemon=True
    )
    process.start()
    sender.close()
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                raise RuntimeError("Proses pembuat data demo berhenti tanpa kabar.") from None
            if message is None:
                return
            if isinstance(message, str):
                raise RuntimeError(f"Proses pembuat data demo gagal:\n{message}")
            yield message
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
        process.join()
