"""The Optuna callback's own ``MlflowClient``: its requests carry their own timeout and retries.

MLflow's HTTP defaults (``MLFLOW_HTTP_REQUEST_TIMEOUT`` 120 s, ``..._MAX_RETRIES`` 7 with
exponential backoff) suit one script talking to a server; for a study they mean one trial waits
minutes on a tracking server that is gone (743 s for one trial was measured, and nothing at all
in 400 s for ten trials at ``n_jobs=2``). Those are process-wide settings the user may rely on,
read from the environment on every request, so they cannot be lowered for our calls alone by
setting them.

MLflow's ``http_request`` takes ``timeout`` and ``max_retries`` per call, but ``MlflowClient``
never passes them. So for ``http(s)://`` tracking URIs the callback's client uses a
``RestStore`` whose ``_call_endpoint`` passes them (the same steps as MLflow's: resolve the
endpoint, send, verify, parse). Only the callback's own tracker calls are bounded: the user's
fluent calls inside the objective (``mlflow.log_metric``) and artifact uploads keep MLflow's
settings. Other stores (``sqlite:``, ``file:``, databricks) get the plain client. If MLflow's
internals this relies on change, the plain client is used and a warning says so once.
"""

from __future__ import annotations

import json
import warnings
from functools import partial
from typing import Any

__all__ = ["bounded_client"]

_warned = False


def bounded_client(tracking_uri: str, *, timeout: float, retries: int) -> Any:
    """An ``MlflowClient`` for ``tracking_uri`` whose REST requests wait at most ``timeout``
    seconds each and are retried at most ``retries`` times (backoff 0.5 s, doubling).

    Example:
        >>> import time
        >>> client = bounded_client("http://127.0.0.1:9", timeout=5, retries=1)  # no server
        >>> start = time.monotonic()
        >>> try:
        ...     client.get_experiment_by_name("study")
        ... except Exception as error:
        ...     print(type(error).__name__)
        MlflowException
        >>> time.monotonic() - start < 30  # MLflow's defaults: about 4 minutes
        True
    """
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri)
    if not tracking_uri.startswith(("http://", "https://")):
        return client
    try:
        from mlflow.store.tracking.rest_store import RestStore
        from mlflow.tracking._tracking_service.client import TrackingServiceClient
        from mlflow.utils.credentials import get_default_host_creds

        store_class = _store_class(RestStore)
        store = store_class(
            partial(get_default_host_creds, tracking_uri), timeout=timeout, retries=retries
        )
        tracking = _tracking_class(TrackingServiceClient)(tracking_uri, store)
        if not hasattr(client, "_tracking_client"):
            raise AttributeError("MlflowClient._tracking_client")
        client._tracking_client = tracking
    except (ImportError, AttributeError, TypeError) as error:
        _warn_once(error)
    return client


def _warn_once(error: BaseException) -> None:
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(
            f"this MLflow version cannot bound the Optuna callback's requests ({error}); "
            "MLFLOW_HTTP_REQUEST_TIMEOUT / MLFLOW_HTTP_REQUEST_MAX_RETRIES apply to them",
            RuntimeWarning,
            stacklevel=3,
        )


def _store_class(rest_store: type) -> type:
    for name in ("_METHOD_TO_INFO", "_V3_METHOD_TO_INFO", "_call_endpoint"):
        if not hasattr(rest_store, name):
            raise AttributeError(f"RestStore.{name}")

    class BoundedRestStore(rest_store):  # type: ignore[misc, valid-type]
        """``RestStore`` whose requests pass an explicit timeout and retry count."""

        def __init__(self, get_host_creds: Any, *, timeout: float, retries: int) -> None:
            super().__init__(get_host_creds)
            self._bound_timeout = timeout
            self._bound_retries = retries

        def _call_endpoint(
            self,
            api: Any,
            json_body: Any = None,
            endpoint: str | None = None,
            retry_timeout_seconds: Any = None,
            response_proto: Any = None,
        ) -> Any:
            # As RestStore._call_endpoint, plus the bounds MLflow's call_endpoint does not pass.
            v3 = getattr(self, "_V3_APIS", ())
            path, method = (self._V3_METHOD_TO_INFO if api in v3 else self._METHOD_TO_INFO)[api]
            validate = getattr(self, "_validate_workspace_support_if_specified", None)
            if validate is not None:
                validate()
            return _call(
                self.get_host_creds(),
                endpoint or path,
                method,
                json_body,
                response_proto or api.Response(),
                timeout=self._bound_timeout,
                retries=self._bound_retries,
            )

    return BoundedRestStore


def _tracking_class(tracking_client: type) -> type:
    class BoundedTrackingClient(tracking_client):  # type: ignore[misc, valid-type]
        """MLflow's tracking service client, on the bounded store."""

        def __init__(self, tracking_uri: str, store: Any) -> None:
            self._bounded_store = store
            super().__init__(tracking_uri)

        @property
        def store(self) -> Any:
            return self._bounded_store

    return BoundedTrackingClient


def _call(
    host_creds: Any,
    endpoint: str,
    method: str,
    json_body: Any,
    response_proto: Any,
    *,
    timeout: float,
    retries: int,
) -> Any:
    """MLflow's ``call_endpoint`` with ``timeout`` and ``max_retries`` passed down."""
    from mlflow.utils.proto_json_utils import parse_dict
    from mlflow.utils.rest_utils import http_request, verify_rest_response

    body = json.loads(json_body) if json_body is not None else None
    kwargs: dict[str, Any] = {"params": body} if method == "GET" else {"json": body}
    response = http_request(
        host_creds=host_creds,
        endpoint=endpoint,
        method=method,
        max_retries=retries,
        backoff_factor=0.5,
        timeout=timeout,
        **kwargs,
    )
    response = verify_rest_response(response, endpoint)
    if response.status_code == 204:
        return response_proto
    parse_dict(js_dict=json.loads(response.text), message=response_proto)
    return response_proto
