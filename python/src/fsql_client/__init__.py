"""The Python client of an fsql feature server (``fsql serve``).

>>> from fsql_client import Client
>>> fsql = Client("http://127.0.0.1:8080", token="...")
>>> df = fsql.training_set("fraud_detection")            # a pandas DataFrame
>>> rows = fsql.get_historical_features(spine, features=["txn_count_7d", "avg_amount_7d@2"])
"""

from ._client import Client, FeatureRef, Output
from ._errors import FsqlError

__all__ = ["Client", "FsqlError", "FeatureRef", "Output"]
__version__ = "0.1.0"
