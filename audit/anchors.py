"""Signed anchors of the audit chain, kept outside the database.

An anchor states the head of the chain (sequence number and hash) at a moment, signed with an
Ed25519 key the database never holds::

    relais-anchor v1 seq=<n> hash=<64 hex> at=<YYYY-MM-DDTHH:MM:SS.ffffffZ> key=<16 hex>
    sig=<base64>   (one line)

The signature covers everything before `` key=``. ``audit_checkpoint`` writes one file per
anchor (``anchor-<seq>-<time>.txt``, created exclusively, read-only) into the directory named
by ``RELAIS_AUDIT_ANCHOR_DIR``, which operations make append-only (docs/operations.md), and
optionally sends the same line to syslog (``RELAIS_AUDIT_ANCHOR_SYSLOG``, ``syslog_send``).
``audit_verify`` reads every anchor there and checks it with the public keys of
``RELAIS_AUDIT_PUBLIC_KEY_FILES``: whoever holds the database can rewrite or wipe the chain, the
stored checkpoints and the head, but cannot forge an anchor nor make the chain agree with one.

Why signed: a directory readable by the application may be writable by more people than the
auditors think; a planted anchor without the private key is reported, never trusted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.utils.translation import gettext as _

from audit.chain import Checkpoint, format_time

FORMAT = "relais-anchor v1"
LINE_RE = re.compile(
    r"^(?P<payload>relais-anchor v1 seq=(?P<seq>0|[1-9][0-9]{0,18}) "
    r"hash=(?P<hash>[0-9a-f]{64}) at=(?P<at>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z)) "
    r"key=(?P<key>[0-9a-f]{16}) sig=(?P<sig>[A-Za-z0-9+/]{86}==)$"
)
FILE_RE = re.compile(r"^anchor-[0-9]{20}-[0-9TZ]+\.txt$")


class AnchorError(Exception):
    """Anchors cannot be written or read as configured (French message)."""


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str
    key_id: str
    signature: bytes
    name: str = ""

    @property
    def payload(self) -> str:
        return f"{FORMAT} seq={self.seq} hash={self.hash} at={self.at}"

    @property
    def line(self) -> str:
        sig = base64.b64encode(self.signature).decode("ascii")
        return f"{self.payload} key={self.key_id} sig={sig}"

    def as_checkpoint(self) -> Checkpoint:
        return Checkpoint(self.seq, self.hash, kind="anchor", label=self.name)


@dataclass
class AnchorScan:
    """The anchors of a directory: those whose signature checks, and the others (name and
    why), which verification reports as a broken chain rather than ignore."""

    valid: list[Anchor] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)

    def checkpoints(self) -> list[Checkpoint]:
        return [anchor.as_checkpoint() for anchor in self.valid]


# --- keys ---------------------------------------------------------------------------------


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def keys_generate(*, private_path: Path, public_path: Path) -> str:
    """Write a new Ed25519 key pair (private key readable by its owner only); never
    overwrites. Returns the key id."""
    private_path, public_path = Path(private_path), Path(public_path)
    for path in (private_path, public_path):
        if path.exists():
            raise AnchorError(
                _("Le fichier %(path)s existe déjà : rien n'est écrasé.") % {"path": path}
            )
    private_key = Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_new(private_path, private_pem, 0o600)
    _write_new(public_path, public_pem, 0o644)
    return key_id(private_key.public_key())


def load_private_key(path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except OSError as exc:
        raise AnchorError(
            _("Clé de signature illisible (%(path)s) : %(error)s.")
            % {"path": path, "error": exc.strerror}
        ) from exc
    except ValueError as exc:
        raise AnchorError(_("Clé de signature invalide (%(path)s).") % {"path": path}) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise AnchorError(_("La clé de signature doit être une clé Ed25519."))
    return key


def load_public_keys(paths: Iterable) -> dict[str, Ed25519PublicKey]:
    keys = {}
    for path in paths:
        try:
            key = serialization.load_pem_public_key(Path(path).read_bytes())
        except OSError as exc:
            raise AnchorError(
                _("Clé publique illisible (%(path)s) : %(error)s.")
                % {"path": path, "error": exc.strerror}
            ) from exc
        except ValueError as exc:
            raise AnchorError(_("Clé publique invalide (%(path)s).") % {"path": path}) from exc
        if not isinstance(key, Ed25519PublicKey):
            raise AnchorError(_("Les clés publiques doivent être des clés Ed25519."))
        keys[key_id(key)] = key
    return keys


# --- writing --------------------------------------------------------------------------------


def anchor_sign(*, seq: int, digest: str, at: datetime, private_key) -> Anchor:
    public = private_key.public_key()
    unsigned = Anchor(seq, digest, format_time(at), key_id(public), b"")
    signature = private_key.sign(unsigned.payload.encode("ascii"))
    return Anchor(seq, digest, unsigned.at, unsigned.key_id, signature)


def anchor_write(anchor: Anchor, directory) -> Path:
    """Create the anchor's own file in ``directory`` (exclusively: an existing file is never
    replaced), read-only, flushed to disk."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = anchor.at.replace("-", "").replace(":", "").replace(".", "")
    path = directory / f"anchor-{anchor.seq:020d}-{stamp}.txt"
    _write_new(path, (anchor.line + "\n").encode("ascii"), 0o444)
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return path


def _write_new(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError as exc:
        raise AnchorError(
            _("Le fichier %(path)s existe déjà : rien n'est écrasé.") % {"path": path}
        ) from exc
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


# --- reading --------------------------------------------------------------------------------


def parse_line(line: str, public_keys: dict, *, name: str = "") -> Anchor:
    """An anchor whose signature checks with one of ``public_keys``; ValueError otherwise."""
    match = LINE_RE.match(line.strip())
    if match is None:
        raise ValueError("not a relais-anchor v1 line")
    try:
        datetime.fromisoformat(match["at"])
        signature = base64.b64decode(match["sig"], validate=True)
    except (ValueError, binascii.Error) as exc:
        raise ValueError("unreadable time or signature") from exc
    key = public_keys.get(match["key"])
    if key is None:
        raise ValueError(f"signed with an unknown key {match['key']}")
    try:
        key.verify(signature, match["payload"].encode("ascii"))
    except InvalidSignature as exc:
        raise ValueError("invalid signature") from exc
    return Anchor(int(match["seq"]), match["hash"], match["at"], match["key"], signature, name)


def anchors_scan(directory, public_keys: dict) -> AnchorScan:
    """Every ``anchor-*.txt`` file of ``directory`` (none if it does not exist yet)."""
    scan = AnchorScan()
    directory = Path(directory)
    if not directory.is_dir():
        return scan
    for path in sorted(directory.iterdir()):
        if not FILE_RE.match(path.name):
            continue
        try:
            lines = [line for line in path.read_text(encoding="ascii").splitlines() if line]
            if len(lines) != 1:
                raise ValueError("expected exactly one line")
            scan.valid.append(parse_line(lines[0], public_keys, name=path.name))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            scan.invalid.append((path.name, str(exc)))
    return scan


# --- configured -----------------------------------------------------------------------------


def configured() -> bool:
    return bool(settings.RELAIS_AUDIT_ANCHOR_DIR)


def scan_configured() -> AnchorScan | None:
    """The anchors of the configured directory, or None when no directory is configured."""
    if not configured():
        return None
    directory = Path(settings.RELAIS_AUDIT_ANCHOR_DIR)
    if not directory.is_dir() or not any(FILE_RE.match(p.name) for p in directory.iterdir()):
        return AnchorScan()  # nothing anchored yet: the keys may not exist yet either
    keys = load_public_keys(settings.RELAIS_AUDIT_PUBLIC_KEY_FILES)
    if not keys:
        raise AnchorError(
            _("Ancres présentes mais aucune clé publique (RELAIS_AUDIT_PUBLIC_KEY_FILES).")
        )
    return anchors_scan(directory, keys)


def write_configured(*, seq: int, digest: str, at: datetime) -> tuple[Anchor, Path]:
    """Sign the head with the configured private key and write it to the configured
    directory. In development, a missing key pair is generated on first use."""
    if not configured() or not settings.RELAIS_AUDIT_SIGNING_KEY_FILE:
        raise AnchorError(
            _(
                "Ancres non configurées : définissez RELAIS_AUDIT_ANCHOR_DIR et "
                "RELAIS_AUDIT_SIGNING_KEY_FILE (docs/audit.md)."
            )
        )
    private_path = Path(settings.RELAIS_AUDIT_SIGNING_KEY_FILE)
    if (
        not private_path.exists()
        and settings.RELAIS_ENV == "development"
        and len(settings.RELAIS_AUDIT_PUBLIC_KEY_FILES) == 1
        and not Path(settings.RELAIS_AUDIT_PUBLIC_KEY_FILES[0]).exists()
    ):
        keys_generate(
            private_path=private_path, public_path=settings.RELAIS_AUDIT_PUBLIC_KEY_FILES[0]
        )
    anchor = anchor_sign(seq=seq, digest=digest, at=at, private_key=load_private_key(private_path))
    path = anchor_write(anchor, settings.RELAIS_AUDIT_ANCHOR_DIR)
    address = getattr(settings, "RELAIS_AUDIT_ANCHOR_SYSLOG", "")
    if address:
        syslog_send(anchor, address)
    return anchor, path


# --- syslog ---------------------------------------------------------------------------------

SYSLOG_IDENT = "relais-audit: "


def syslog_address(address: str):
    """``host:port`` (UDP) or the path of a Unix socket (e.g. ``/dev/log``)."""
    if address.startswith("/"):
        return address
    host, _sep, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise AnchorError(
            _(
                "RELAIS_AUDIT_ANCHOR_SYSLOG : « hôte:port » (UDP) ou chemin d'une socket Unix "
                "attendu, reçu « %(address)s »."
            )
            % {"address": address}
        )
    return (host.strip("[]"), int(port))


def syslog_send(anchor: Anchor, address: str) -> None:
    """Send the anchor's line to syslog as well (facility ``authpriv``, severity ``notice``,
    ident ``relais-audit``): another copy outside the database, kept by the log host. Raises
    AnchorError if it cannot be sent."""
    import logging
    from logging.handlers import SysLogHandler

    try:
        handler = SysLogHandler(
            address=syslog_address(address), facility=SysLogHandler.LOG_AUTHPRIV
        )
    except OSError as exc:
        raise AnchorError(
            _("Envoi de l'ancre à syslog impossible (%(address)s) : %(error)s.")
            % {"address": address, "error": exc.strerror or exc}
        ) from exc

    def handle_error(record):
        raise  # noqa: PLE0704 — called by emit() inside its except clause: re-raise there

    handler.handleError = handle_error
    handler.ident = SYSLOG_IDENT
    # "notice": what syslog's own tools call a normal but significant condition.
    handler.mapPriority = lambda level_name: "notice"
    record = logging.makeLogRecord({"msg": anchor.line, "levelno": logging.INFO})
    try:
        handler.handle(record)
    except OSError as exc:
        raise AnchorError(
            _("Envoi de l'ancre à syslog impossible (%(address)s) : %(error)s.")
            % {"address": address, "error": exc.strerror or exc}
        ) from exc
    finally:
        handler.close()
