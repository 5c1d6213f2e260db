"""The label sets of the three heads and the Faker locales of training and of the unseen splits."""

PII_LABELS = ["PERSON", "EMAIL", "PHONE", "LOCATION", "CREDIT_CARD", "IBAN",
              "NATIONAL_ID", "IP_ADDRESS", "USERNAME", "SECRET"]
CATEGORIES = ["deep_work", "communication", "meetings", "planning", "research",
              "admin", "ai_tools", "non_work"]
SENTIMENTS = ["negative", "neutral", "positive"]

TRAIN_LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "pt_BR", "it_IT",
                 "pl_PL", "tr_TR", "fi_FI", "ja_JP", "zh_CN", "ru_RU", "hi_IN",
                 "ar_AA", "ko_KR", "id_ID", "ro_RO",
                 # round 3: more scripts (Armenian, Georgian, Thai, Bengali, Persian, Tamil, Nepali, Traditional
                 # Chinese) and Latin-script languages; no close neighbour of an unseen locale (no nl_BE, el_CY,
                 # sk_SK, no_NO, es_* of the Americas, uk_*)
                 "hy_AM", "ka_GE", "th_TH", "bn_BD", "fa_IR", "ta_IN", "ne_NP", "zh_TW", "hu_HU", "hr_HR",
                 "sl_SI", "lt_LT", "az_AZ", "en_IN", "de_AT"]
UNSEEN_LOCALES = ["nl_NL", "sv_SE", "cs_CZ", "da_DK", "el_GR", "he_IL", "uk_UA",
                  "es_MX"]
