#!/usr/bin/env python3
"""Generate the deterministic sample data of the payments example.

Python 3 standard library only. Run from anywhere:

    python3 examples/payments/generate-data.py

It rewrites data/users.csv, data/merchants.csv, data/transactions.csv,
data/fraud_reports.csv and data/app_events.jsonl next to this script. The
output depends only on SEED below, so re-running it gives byte-identical files.

What is in the data:
  * ~200 users (a few never transact), ~50 merchants, 1-3 cards per user;
  * ~5000 transactions over 60 days (2024-03-01 .. 2024-04-29), with a daily
    rhythm, some NULL amounts / channels, and repeated timestamps (same user,
    same second; card-testing bursts);
  * fraud episodes (account takeover: failed logins, small "test" charges,
    then large online purchases), plus scattered fraud at risky merchants;
  * ~300 fraud reports: mostly confirmed, some rejected (false), some still
    under review (NULL);
  * app events (logins, failed logins, ...) for the STREAM source, as JSON lines
    ready to be pushed through the ingest API.
"""
import csv
import json
import math
import os
import random
from datetime import date, datetime, timedelta

SEED = 20240301
START = datetime(2024, 3, 1, 0, 0, 0)
DAYS = 60
N_USERS = 200
N_MERCHANTS = 50
N_INACTIVE_USERS = 12
N_REGULAR_TXNS = 4650

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")

rng = random.Random(SEED)


def weighted(choices):
    """Pick from [(value, weight), ...]."""
    total = sum(w for _, w in choices)
    r = rng.random() * total
    for value, w in choices:
        r -= w
        if r < 0:
            return value
    return choices[-1][0]


def ts(dt):
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def maybe_null(value, p):
    return None if rng.random() < p else value


def fmt_bool(b):
    if b is None:
        return ""
    return "true" if b else "false"


def fmt_money(x):
    if x is None:
        return ""
    return f"{x:.2f}"


def cell(v):
    return "" if v is None else v


# Hour-of-day weights: quiet at night, busy at lunch and in the evening.
HOUR_WEIGHTS = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 3.5, 4, 4.5, 5, 6, 5.5, 4.5, 4.5, 5, 5.5, 6.5, 7, 6, 4.5, 3, 1.8]


def random_time():
    day = rng.randrange(DAYS)
    hour = weighted(list(enumerate(HOUR_WEIGHTS)))
    minute = rng.randrange(60)
    # Point-of-sale terminals often report whole minutes: repeated timestamps.
    second = 0 if rng.random() < 0.35 else rng.randrange(60)
    return START + timedelta(days=day, hours=hour, minutes=minute, seconds=second)


# ---------------------------------------------------------------------------
# Users

COUNTRIES = [("US", 40), ("GB", 15), ("DE", 12), ("FR", 10), ("ES", 6), ("NL", 5), ("BR", 4), ("IN", 4), ("CA", 2), ("NG", 2)]
CURRENCY = {"US": "USD", "CA": "CAD", "GB": "GBP", "BR": "BRL", "IN": "INR", "NG": "NGN"}

users = []
for i in range(1, N_USERS + 1):
    country = maybe_null(weighted(COUNTRIES), 0.03)
    signup = date(2021, 1, 1) + timedelta(days=rng.randrange(365 * 3 + 58))
    age = maybe_null(int(min(85, max(18, rng.gauss(38, 12)))), 0.06)
    premium = maybe_null(rng.random() < 0.2, 0.03)
    users.append({
        "user_id": f"u{i:04d}",
        "country": country,
        "signup_date": signup.isoformat(),
        "age": age,
        "is_premium": premium,
        "activity": rng.lognormvariate(0, 0.8),
    })

inactive = set(u["user_id"] for u in rng.sample(users, N_INACTIVE_USERS))
active_users = [u for u in users if u["user_id"] not in inactive]

cards = {}
card_no = 0
for u in users:
    cards[u["user_id"]] = []
    for _ in range(weighted([(1, 55), (2, 35), (3, 10)])):
        card_no += 1
        cards[u["user_id"]].append(f"c{card_no:04d}")

# ---------------------------------------------------------------------------
# Merchants

CATEGORIES = {
    # category: (typical amount, spread, risk weight)
    "grocery": (45, 0.6, 1),
    "restaurants": (32, 0.5, 1),
    "fuel": (55, 0.4, 1),
    "pharmacy": (25, 0.6, 1),
    "fashion": (85, 0.7, 2),
    "electronics": (260, 0.8, 4),
    "travel": (420, 0.7, 3),
    "digital_goods": (15, 0.9, 5),
    "gambling": (120, 1.0, 6),
    "utilities": (90, 0.3, 1),
}
CATEGORY_WEIGHTS = [("grocery", 9), ("restaurants", 9), ("fuel", 5), ("pharmacy", 4), ("fashion", 6),
                    ("electronics", 5), ("travel", 4), ("digital_goods", 5), ("gambling", 2), ("utilities", 3)]
NAME_A = ["Blue", "Green", "Golden", "Urban", "North", "Swift", "Bright", "Silver", "Prime", "Royal", "Happy", "Nova"]
NAME_B = {"grocery": "Market", "restaurants": "Bistro", "fuel": "Fuel", "pharmacy": "Pharma", "fashion": "Threads",
          "electronics": "Tech", "travel": "Travel", "digital_goods": "Bytes", "gambling": "Bet", "utilities": "Power"}

merchants = []
for i in range(1, N_MERCHANTS + 1):
    category = weighted(CATEGORY_WEIGHTS)
    risk = CATEGORIES[category][2]
    tier = 1 if risk <= 1 else (2 if risk <= 3 else 3)
    if rng.random() < 0.15:
        tier = min(3, tier + 1)
    merchants.append({
        "id": f"m{i:03d}",
        "name": f"{rng.choice(NAME_A)} {NAME_B[category]} {i}",
        "category": category,
        "country": maybe_null(weighted(COUNTRIES), 0.04),
        "onboarded_on": (date(2018, 1, 1) + timedelta(days=rng.randrange(365 * 6))).isoformat(),
        "risk_tier": maybe_null(tier, 0.06),
        "is_terminated": rng.random() < (0.02 + 0.06 * risk),
    })
merchant_by_id = {m["id"]: m for m in merchants}
risky_merchants = [m for m in merchants if m["category"] in ("electronics", "travel", "gambling", "digital_goods")]
test_merchants = [m for m in merchants if m["category"] == "digital_goods"] or risky_merchants
cashout_merchants = [m for m in merchants if m["category"] in ("electronics", "travel", "gambling")] or risky_merchants

favourites = {}
for u in users:
    favourites[u["user_id"]] = rng.sample(merchants, rng.randint(3, 8))

# ---------------------------------------------------------------------------
# Transactions

CHANNELS = [("pos", 55), ("online", 35), ("atm", 7), ("moto", 2)]


def amount_for(category, scale=1.0):
    typical, spread, _ = CATEGORIES[category]
    return round(max(0.5, rng.lognormvariate(math.log(typical * scale), spread)), 2)


txns = []  # dicts without txn_id; ids are assigned in time order at the end
activity_total = [(u, u["activity"]) for u in active_users]

for _ in range(N_REGULAR_TXNS):
    u = weighted(activity_total)
    m = rng.choice(favourites[u["user_id"]]) if rng.random() < 0.8 else rng.choice(merchants)
    fraud = m["category"] in ("gambling", "electronics") and rng.random() < 0.03
    txns.append({
        "user_id": u["user_id"],
        "card_id": rng.choice(cards[u["user_id"]]),
        "merchant_id": m["id"],
        "amount": maybe_null(amount_for(m["category"]), 0.006),
        "currency": CURRENCY.get(u["country"], "EUR"),
        "channel": maybe_null(weighted(CHANNELS), 0.02),
        "status": "declined" if rng.random() < 0.06 else "approved",
        "created_at": random_time(),
        "fraud": fraud,
    })

# A few users pay twice in the same second (two rows of one user with equal
# event time: the tie case for "latest row" features).
for _ in range(25):
    base = rng.choice(txns)
    twin = dict(base)
    m = rng.choice(merchants)
    twin.update(merchant_id=m["id"], amount=amount_for(m["category"]), channel=weighted(CHANNELS), fraud=False)
    txns.append(twin)

# Account-takeover episodes: failed logins, tiny test charges on one card
# (several in the same second), then large online purchases.
app_events = []
compromised = rng.sample(active_users, 45)
EVENT_TYPES = [("login", 70), ("view_statement", 15), ("profile_update", 5), ("card_added", 3),
               ("password_reset", 2), ("login_failed", 5)]
for u in compromised:
    when = START + timedelta(days=rng.randrange(3, DAYS - 1), hours=rng.choice([0, 1, 2, 3, 4, 22, 23]),
                             minutes=rng.randrange(60))
    device = f"d{rng.randrange(100000, 999999)}"
    for k in range(rng.randint(3, 8)):
        app_events.append({"account_id": u["user_id"], "event_type": "login_failed", "device_id": device,
                           "ip_country": "NG" if rng.random() < 0.5 else "RU",
                           "ts": when - timedelta(minutes=30 - k * 2)})
    app_events.append({"account_id": u["user_id"], "event_type": "login", "device_id": device,
                       "ip_country": "RU", "ts": when - timedelta(minutes=10)})
    card = rng.choice(cards[u["user_id"]])
    t = when
    burst_at = t
    for k in range(rng.randint(2, 4)):
        if rng.random() < 0.5:  # same second as the previous test charge
            t = burst_at
        else:
            t = t + timedelta(seconds=rng.randint(5, 90))
            burst_at = t
        m = rng.choice(test_merchants)
        txns.append({"user_id": u["user_id"], "card_id": card, "merchant_id": m["id"],
                     "amount": round(rng.uniform(0.5, 3.0), 2), "currency": CURRENCY.get(u["country"], "EUR"),
                     "channel": "online", "status": "declined" if rng.random() < 0.3 else "approved",
                     "created_at": t, "fraud": True})
    for k in range(rng.randint(2, 5)):
        t = t + timedelta(minutes=rng.randint(2, 40))
        m = rng.choice(cashout_merchants)
        txns.append({"user_id": u["user_id"], "card_id": card, "merchant_id": m["id"],
                     "amount": amount_for(m["category"], 2.0), "currency": CURRENCY.get(u["country"], "EUR"),
                     "channel": "online", "status": "declined" if rng.random() < 0.15 else "approved",
                     "created_at": t, "fraud": True})

txns.sort(key=lambda r: (r["created_at"], r["user_id"], r["card_id"], r["merchant_id"]))
for n, r in enumerate(txns, start=1):
    r["txn_id"] = f"t{n:06d}"

# ---------------------------------------------------------------------------
# Fraud reports: every approved fraudulent transaction, some false alarms
# (confirmed = false) and some still under review (confirmed = NULL).

reports = []
approved = [r for r in txns if r["status"] == "approved"]
for r in approved:
    if r["fraud"]:
        confirmed = True if rng.random() < 0.93 else None
    elif rng.random() < 0.009:
        confirmed = False if rng.random() < 0.8 else None
    else:
        continue
    delay = timedelta(hours=rng.randint(2, 24 * 20), minutes=rng.randrange(60))
    reports.append({
        "txn_id": r["txn_id"],
        "user_id": r["user_id"],
        "merchant_id": r["merchant_id"],
        "reported_at": r["created_at"] + delay,
        "confirmed": confirmed,
        "loss_amount": r["amount"] if confirmed else None,
    })
reports.sort(key=lambda r: (r["reported_at"], r["txn_id"]))
for n, r in enumerate(reports, start=1):
    r["report_id"] = f"r{n:05d}"

# ---------------------------------------------------------------------------
# App events (for the STREAM source)

for _ in range(2200):
    u = weighted(activity_total)
    app_events.append({"account_id": u["user_id"], "event_type": weighted(EVENT_TYPES),
                       "device_id": maybe_null(f"d{100000 + (int(u['user_id'][1:]) * 7919) % 900000}", 0.05),
                       "ip_country": u["country"], "ts": random_time()})
app_events.sort(key=lambda e: (e["ts"], e["account_id"], e["event_type"]))
for n, e in enumerate(app_events, start=1):
    e["event_id"] = f"e{n:06d}"

# ---------------------------------------------------------------------------
# Write

os.makedirs(DATA, exist_ok=True)


def write_csv(name, header, rows):
    with open(os.path.join(DATA, name), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow(row)


write_csv("users.csv", ["user_id", "country", "signup_date", "age", "is_premium"],
          [[u["user_id"], cell(u["country"]), u["signup_date"], cell(u["age"]), fmt_bool(u["is_premium"])]
           for u in users])

write_csv("merchants.csv", ["id", "name", "category", "country", "onboarded_on", "risk_tier", "is_terminated"],
          [[m["id"], m["name"], m["category"], cell(m["country"]), m["onboarded_on"], cell(m["risk_tier"]),
            fmt_bool(m["is_terminated"])] for m in merchants])

write_csv("transactions.csv",
          ["txn_id", "user_id", "card_id", "merchant_id", "amount", "currency", "channel", "status", "created_at"],
          [[r["txn_id"], r["user_id"], r["card_id"], r["merchant_id"], fmt_money(r["amount"]), r["currency"],
            cell(r["channel"]), r["status"], ts(r["created_at"])] for r in txns])

write_csv("fraud_reports.csv",
          ["report_id", "txn_id", "user_id", "merchant_id", "reported_at", "confirmed", "loss_amount"],
          [[r["report_id"], r["txn_id"], r["user_id"], r["merchant_id"], ts(r["reported_at"]),
            fmt_bool(r["confirmed"]), fmt_money(r["loss_amount"])] for r in reports])

with open(os.path.join(DATA, "app_events.jsonl"), "w", encoding="utf-8", newline="\n") as f:
    for e in app_events:
        f.write(json.dumps({"event_id": e["event_id"], "account_id": e["account_id"], "event_type": e["event_type"],
                            "device_id": e["device_id"], "ip_country": e["ip_country"], "ts": ts(e["ts"])}, separators=(",", ":")) + "\n")

print(f"users={len(users)} (inactive {len(inactive)}) merchants={len(merchants)} "
      f"transactions={len(txns)} fraud_reports={len(reports)} app_events={len(app_events)}")
