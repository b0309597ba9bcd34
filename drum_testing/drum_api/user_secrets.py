"""``datarobot_drum.custom_task_interfaces.user_secrets``: the credentials a custom task gets.

Each secret is a dataclass built from DataRobot's JSON (snake_case keys, ``credential_type``
naming the class); its ``repr`` hides every string. :func:`load_secrets` reads them from
variables ``<prefix>_<NAME>`` and from the files of a mounted folder (a file's name is the
secret's name). The module DRUM serves also holds the scrubbing of outputs
(:mod:`drum_testing.drum_api.scrubbing`).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
from pathlib import Path
from typing import Any, Generic, TypeVar

__all__ = [
    "AbstractSecret",
    "AdlsGen2OauthSecret",
    "ApiTokenSecret",
    "AzureSecret",
    "AzureServicePrincipalSecret",
    "BasicSecret",
    "DatabricksAccessTokenAccountSecret",
    "GCPKey",
    "GCPSecret",
    "OauthSecret",
    "S3Secret",
    "ScrubReprMixin",
    "SecretType",
    "SnowflakeKeyPairUserAccountSecret",
    "SnowflakeOauthUserAccountSecret",
    "TableauAccessTokenSecret",
    "UnsupportedSecretError",
    "load_secrets",
    "reduce_kwargs",
    "secrets_factory",
]

T = TypeVar("T")
HIDDEN = "*****"


def reduce_kwargs(input_dict: dict[str, Any], target_class: Any) -> dict[str, Any]:
    """``input_dict`` without the keys that are not fields of the dataclass ``target_class``."""
    if not dataclasses.is_dataclass(target_class):
        return input_dict
    names = {f.name for f in dataclasses.fields(target_class)}
    return {key: value for key, value in input_dict.items() if key in names}


@dataclasses.dataclass
class ScrubReprMixin:
    """A ``repr`` that names every field but shows ``*****`` for its strings."""

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={self._shown(getattr(self, f.name))!r}" for f in dataclasses.fields(self)
        )
        return f"{type(self).__name__}({shown})"

    @staticmethod
    def _shown(value: Any) -> Any:
        return HIDDEN if isinstance(value, str) else value


@dataclasses.dataclass(repr=False)
class AbstractSecret(ScrubReprMixin, Generic[T]):
    """A credential; build one with :meth:`from_dict`."""

    def is_partial_secret(self) -> bool:
        """Whether part of the credential (an admin's configuration) is kept elsewhere."""
        return any(getattr(self, name, None) for name in ("config_id", "oauth_config_id"))

    @classmethod
    def from_dict(cls, input_dict: dict[str, Any]) -> Any:
        return cls(**reduce_kwargs(input_dict, cls))


@dataclasses.dataclass(repr=False)
class BasicSecret(AbstractSecret[Any]):
    username: str
    password: str
    snowflake_account_name: str | None = None


@dataclasses.dataclass(repr=False)
class OauthSecret(AbstractSecret[Any]):
    token: str
    refresh_token: str


@dataclasses.dataclass(repr=False)
class S3Secret(AbstractSecret[Any]):
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    aws_session_token: str | None = None
    config_id: str | None = None


@dataclasses.dataclass(repr=False)
class AzureSecret(AbstractSecret[Any]):
    azure_connection_string: str


@dataclasses.dataclass(repr=False)
class AzureServicePrincipalSecret(AbstractSecret[Any]):
    client_id: str
    client_secret: str
    azure_tenant_id: str


@dataclasses.dataclass(repr=False)
class SnowflakeOauthUserAccountSecret(AbstractSecret[Any]):
    client_id: str | None
    client_secret: str | None
    snowflake_account_name: str | None
    oauth_issuer_type: str | None = None
    oauth_issuer_url: str | None = None
    oauth_scopes: str | None = None
    oauth_config_id: str | None = None


@dataclasses.dataclass(repr=False)
class SnowflakeKeyPairUserAccountSecret(AbstractSecret[Any]):
    username: str | None
    private_key_str: str | None
    passphrase: str | None = None
    config_id: str | None = None


@dataclasses.dataclass(repr=False)
class AdlsGen2OauthSecret(AbstractSecret[Any]):
    client_id: str
    client_secret: str
    oauth_scopes: str


@dataclasses.dataclass(repr=False)
class TableauAccessTokenSecret(AbstractSecret[Any]):
    token_name: str
    personal_access_token: str


@dataclasses.dataclass(repr=False)
class DatabricksAccessTokenAccountSecret(AbstractSecret[Any]):
    databricks_access_token: str


@dataclasses.dataclass(repr=False)
class ApiTokenSecret(AbstractSecret[Any]):
    api_token: str


@dataclasses.dataclass(repr=False)
class GCPKey(ScrubReprMixin):
    """A Google service account key (the JSON Google issues)."""

    type: str
    project_id: str | None = None
    private_key_id: str | None = None
    private_key: str | None = None
    client_email: str | None = None
    client_id: str | None = None
    auth_uri: str | None = None
    token_uri: str | None = None
    auth_provider_x509_cert_url: str | None = None
    client_x509_cert_url: str | None = None

    @classmethod
    def from_dict(cls, input_dict: dict[str, Any]) -> GCPKey:
        return cls(**reduce_kwargs(input_dict, cls))


@dataclasses.dataclass(repr=False)
class GCPSecret(AbstractSecret[Any]):
    gcp_key: GCPKey | None = None
    config_id: str | None = None

    @classmethod
    def from_dict(cls, input_dict: dict[str, Any]) -> GCPSecret:
        fields = reduce_kwargs(input_dict, cls)
        if isinstance(fields.get("gcp_key"), dict):
            fields["gcp_key"] = GCPKey.from_dict(fields["gcp_key"])
        return cls(**fields)


class UnsupportedSecretError(Exception):
    """A ``credential_type`` no secret class serves."""


class SecretType(enum.Enum):
    """The ``credential_type`` names, each with its class."""

    BASIC = enum.auto()
    OAUTH = enum.auto()
    GCP = enum.auto()
    S3 = enum.auto()
    AZURE = enum.auto()
    AZURE_SERVICE_PRINCIPAL = enum.auto()
    SNOWFLAKE_OAUTH_USER_ACCOUNT = enum.auto()
    SNOWFLAKE_KEY_PAIR_USER_ACCOUNT = enum.auto()
    ADLS_GEN2_OAUTH = enum.auto()
    TABLEAU_ACCESS_TOKEN = enum.auto()
    DATABRICKS_ACCESS_TOKEN_ACCOUNT = enum.auto()
    API_TOKEN = enum.auto()

    @classmethod
    def from_string(cls, input_string: str) -> SecretType:
        member = cls.__members__.get(input_string.upper())
        if member is None:
            raise UnsupportedSecretError(f"Unsupported secret type: {input_string!r}")
        return member

    def get_secret_class(self) -> type[AbstractSecret[Any]]:
        return _SECRET_CLASSES[self.name]


_SECRET_CLASSES: dict[str, type[AbstractSecret[Any]]] = {
    "BASIC": BasicSecret,
    "OAUTH": OauthSecret,
    "GCP": GCPSecret,
    "S3": S3Secret,
    "AZURE": AzureSecret,
    "AZURE_SERVICE_PRINCIPAL": AzureServicePrincipalSecret,
    "SNOWFLAKE_OAUTH_USER_ACCOUNT": SnowflakeOauthUserAccountSecret,
    "SNOWFLAKE_KEY_PAIR_USER_ACCOUNT": SnowflakeKeyPairUserAccountSecret,
    "ADLS_GEN2_OAUTH": AdlsGen2OauthSecret,
    "TABLEAU_ACCESS_TOKEN": TableauAccessTokenSecret,
    "DATABRICKS_ACCESS_TOKEN_ACCOUNT": DatabricksAccessTokenAccountSecret,
    "API_TOKEN": ApiTokenSecret,
}


def secrets_factory(input_dict: dict[str, Any]) -> AbstractSecret[Any]:
    """The secret ``input_dict["credential_type"]`` names; UnsupportedSecretError if none."""
    secret_type = SecretType.from_string(input_dict["credential_type"])
    secret: AbstractSecret[Any] = secret_type.get_secret_class().from_dict(input_dict)
    return secret


def load_secrets(
    mount_path: str | None, env_var_prefix: str | None
) -> dict[str, AbstractSecret[Any]]:
    """The secrets of variables ``<env_var_prefix>_<NAME>`` and of the files in
    ``mount_path`` (a file wins over a variable of the same name); none without either."""
    found: dict[str, Any] = {}
    if env_var_prefix:
        start = f"{env_var_prefix}_"
        for name, value in os.environ.items():
            if name.startswith(start):
                found[name.replace(start, "")] = json.loads(value)
    if mount_path is not None:
        for path in Path(mount_path).glob("*"):
            if path.is_file():
                found[path.name] = json.loads(path.read_text())
    return {name: secrets_factory(value) for name, value in found.items()}
