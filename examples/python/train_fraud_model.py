# %% [markdown]
# # Training a fraud model on fsql features
#
# A notebook-style script (cells marked `# %%`, which VS Code and Jupytext
# open as a notebook). It trains a scikit-learn model on the example
# project's `fraud_detection` training set, read from `fsql serve` with the
# Python client, then scores new transactions with point-in-time features for
# an ad-hoc spine, and looks up the online vector of one user.
#
# Start the server first (from the repository root):
#
# ```sh
# cp -r examples/payments /tmp/payments && cd /tmp/payments
# fsql apply && fsql ingest app_events data/app_events.jsonl && fsql materialize --at '2024-04-28 00:00:00'
# FSQL_TOKEN=s3cret fsql serve --port 8080
# ```
#
# then `pip install -r examples/python/requirements.txt` and
# `FSQL_URL=http://127.0.0.1:8080 FSQL_TOKEN=s3cret python examples/python/train_fraud_model.py`.

# %%
import os

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from fsql_client import Client

fsql = Client(os.environ.get("FSQL_URL", "http://127.0.0.1:8080"), token=os.environ.get("FSQL_TOKEN"))

# %% [markdown]
# ## The training set
# One row per approved transaction (the label `is_fraud`, at the
# transaction's time), with every feature as of that time: fills, scalings and
# one-hot columns already applied with the parameters the registry fitted.

# %%
df = fsql.training_set("fraud_detection")
print(df.shape)
print(df.dtypes.value_counts())
df.head()

# %%
keys = ["user_id", "merchant_id", "card_id", "created_at"]
X = df.drop(columns=keys + ["is_fraud"])
y = df["is_fraud"].astype(bool)
print(f"{len(X)} rows, {X.shape[1]} features, {y.mean():.1%} fraud")

# %%
# Fills left NULL where a feature has none (e.g. a FILL-less MIN over an empty window): impute 0 for the model.
X = X.fillna(0.0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=7, stratify=y if y.nunique() > 1 else None)
model = LogisticRegression(max_iter=2000, class_weight="balanced").fit(X_train, y_train)
if y_test.nunique() > 1:
    print(f"test ROC AUC: {roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]):.3f}")

# %% [markdown]
# ## Scoring new rows: an ad-hoc spine
# Your own (keys, time) rows get exactly the features a training row at that
# time would have — here the last few transactions, as if they were new.

# %%
spine = df[keys].tail(5).rename(columns={"created_at": "event_timestamp"})
features = ["txn_count_7d", "spend_30d", "avg_amount_7d@2", "max_amount_24h", "last_channel", "home_country", "user_age",
            "cross_border_spend_30d", "active_days_30d", "merchant_category", "merchant_risk_tier",
            "merchant_chargebacks_30d", "card_distinct_merchants_24h", "card_min_amount_24h"]
scored = fsql.get_historical_features(spine, features=features)
scored["fraud_probability"] = model.predict_proba(scored[X.columns].fillna(0.0))[:, 1]
print(scored[["user_id", "event_timestamp", "fraud_probability"]])

# %% [markdown]
# ## Online
# What the server serves for one user now.

# %%
vector = fsql.get_online_features("user", ["u0115"], features=["txn_count_7d", "spend_30d"])[0]
print({name: f.get("value") for name, f in vector["features"].items()})
