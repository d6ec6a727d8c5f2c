"""Key material generated at test time with `cryptography`. Nothing here is ever committed.

Every function is cached, so a whole test session makes each key once.
"""

from __future__ import annotations

import datetime
import functools

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

PASSWORD = b"correct horse battery staple"
Enc = serialization.Encoding
Fmt = serialization.PrivateFormat


@functools.cache
def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.cache
def ec_key(curve: str = "secp256r1") -> ec.EllipticCurvePrivateKey:
    curves = {"secp256r1": ec.SECP256R1(), "secp384r1": ec.SECP384R1()}
    return ec.generate_private_key(curves[curve])


@functools.cache
def ed25519_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@functools.cache
def dsa_key() -> dsa.DSAPrivateKey:
    return dsa.generate_private_key(key_size=2048)


def _enc(password: bytes | None) -> serialization.KeySerializationEncryption:
    if password is None:
        return serialization.NoEncryption()
    return serialization.BestAvailableEncryption(password)


def pem(key, fmt: str = "pkcs8", password: bytes | None = None) -> bytes:
    """fmt: pkcs8, pkcs1 (RSA/DSA/EC 'traditional'), openssh."""
    f = {"pkcs8": Fmt.PKCS8, "pkcs1": Fmt.TraditionalOpenSSL, "openssh": Fmt.OpenSSH}[fmt]
    return key.private_bytes(Enc.PEM, f, _enc(password))


def der(key, fmt: str = "pkcs8", password: bytes | None = None) -> bytes:
    f = {"pkcs8": Fmt.PKCS8, "pkcs1": Fmt.TraditionalOpenSSL}[fmt]
    return key.private_bytes(Enc.DER, f, _enc(password))


@functools.cache
def certificate(key=None) -> x509.Certificate:
    key = key or rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scaffold test")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def certificate_pem(key=None) -> bytes:
    return certificate(key).public_bytes(Enc.PEM)


def public_pem(key=None) -> bytes:
    key = key or rsa_key()
    return key.public_key().public_bytes(Enc.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def csr_pem(key=None) -> bytes:
    key = key or rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scaffold test")])
    return x509.CertificateSigningRequestBuilder().subject_name(name).sign(
        key, hashes.SHA256()).public_bytes(Enc.PEM)


def p12(password: bytes | None = PASSWORD, with_key: bool = True) -> bytes:
    key = rsa_key()
    enc = _enc(password)
    if with_key:
        return pkcs12.serialize_key_and_certificates(b"jwt", key, certificate(key), None, enc)
    return pkcs12.serialize_key_and_certificates(b"jwt", None, None, [certificate(key)], enc)


def _b64url_int(n: int, size: int | None = None) -> str:
    import base64

    raw = n.to_bytes(size or max(1, (n.bit_length() + 7) // 8), "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def jwk(key, private: bool = True) -> dict[str, str]:
    """RFC 7517 JWK of an RSA, EC (P-256/P-384) or Ed25519 key; public members unless private."""
    import base64

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    if isinstance(key, rsa.RSAPrivateKey):
        pn = key.private_numbers()
        out = {"kty": "RSA", "n": _b64url_int(pn.public_numbers.n),
               "e": _b64url_int(pn.public_numbers.e)}
        if private:
            out |= {"d": _b64url_int(pn.d), "p": _b64url_int(pn.p), "q": _b64url_int(pn.q),
                    "dp": _b64url_int(pn.dmp1), "dq": _b64url_int(pn.dmq1),
                    "qi": _b64url_int(pn.iqmp)}
        return out
    if isinstance(key, ec.EllipticCurvePrivateKey):
        size = (key.curve.key_size + 7) // 8
        pub = key.public_key().public_numbers()
        out = {"kty": "EC", "crv": {"secp256r1": "P-256", "secp384r1": "P-384"}[key.curve.name],
               "x": _b64url_int(pub.x, size), "y": _b64url_int(pub.y, size)}
        if private:
            out["d"] = _b64url_int(key.private_numbers().private_value, size)
        return out
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw_pub = key.public_key().public_bytes(Enc.Raw, serialization.PublicFormat.Raw)
        out = {"kty": "OKP", "crv": "Ed25519", "x": b64(raw_pub)}
        if private:
            out["d"] = b64(key.private_bytes(Enc.Raw, Fmt.Raw, serialization.NoEncryption()))
        return out
    raise TypeError("unsupported key type")


def oct_jwk(bits: int = 256) -> dict[str, str]:
    """A symmetric JWK (kty oct) with a fresh random secret `k`."""
    import base64
    import os

    return {"kty": "oct", "alg": "HS256",
            "k": base64.urlsafe_b64encode(os.urandom(bits // 8)).rstrip(b"=").decode("ascii")}


# --- text-detector corpus: real tools in a temp dir outside the repo (None when missing) ------

def tool_env(home: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a key tool: its home is the temp dir it works in, so that nothing
    lands in the user's home (puttygen writes ~/.putty/randomseed, gpg ~/.gnupg)."""
    import os

    return {**(os.environ if env is None else env), "HOME": home, "XDG_CONFIG_HOME": home,
            "XDG_CACHE_HOME": home, "XDG_DATA_HOME": home, "XDG_STATE_HOME": home}


def _tool_run(args: list[str], cwd: str, env: dict[str, str] | None = None) -> bool:
    import shutil
    import subprocess

    if shutil.which(args[0]) is None:
        return False
    done = subprocess.run(args, cwd=cwd, env=tool_env(cwd, env), capture_output=True,
                          timeout=120, check=False)
    return done.returncode == 0


@functools.cache
def ppk(version: int = 3, password: bytes | None = None) -> bytes | None:
    """rsa_key() as a PuTTY PPK v2/v3 file via puttygen (package putty-tools); None if absent."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "in.pem").write_bytes(pem(rsa_key(), "pkcs1"))
        Path(tmp, "pass").write_bytes(password or b"")
        ok = _tool_run(["puttygen", "in.pem", "-O", "private", "-o", "out.ppk",
                        "--new-passphrase", "pass", "--ppk-param", f"version={version}"], tmp)
        return Path(tmp, "out.ppk").read_bytes() if ok else None


@functools.cache
def sshcom_private(password: bytes | None = None) -> bytes | None:
    """rsa_key() as an ssh.com `---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----` file via puttygen."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "in.pem").write_bytes(pem(rsa_key(), "pkcs1"))
        Path(tmp, "pass").write_bytes(password or b"")
        ok = _tool_run(["puttygen", "in.pem", "-O", "private-sshcom", "-o", "out.txt",
                        "--new-passphrase", "pass"], tmp)
        return Path(tmp, "out.txt").read_bytes() if ok else None


@functools.cache
def openssh_encrypted() -> bytes | None:
    """ed25519_key() in OpenSSH format, passphrase-protected by ssh-keygen (cryptography needs
    bcrypt for this); None when ssh-keygen is missing."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "id_ed25519")
        path.write_bytes(pem(ed25519_key(), "openssh"))
        path.chmod(0o600)
        ok = _tool_run(["ssh-keygen", "-q", "-p", "-P", "", "-N", PASSWORD.decode(), "-f",
                        str(path)], tmp)
        return path.read_bytes() if ok else None


@functools.cache
def pgp_blocks() -> tuple[bytes, bytes] | None:
    """(armored PGP private key block, armored public block) from gpg in a temp GNUPGHOME;
    None when gpg is missing or fails."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as home:
        env = tool_env(home, {**os.environ, "GNUPGHOME": home})
        params = ("%no-protection\nKey-Type: RSA\nKey-Length: 2048\nName-Real: scaffold test\n"
                  "Name-Email: test@example.invalid\nExpire-Date: 0\n%commit\n")
        from pathlib import Path

        Path(home, "params").write_text(params)
        if not _tool_run(["gpg", "--batch", "--gen-key", "params"], home, env):
            return None
        import subprocess

        def export(flag: str) -> bytes:
            return subprocess.run(["gpg", "--batch", "--armor", flag], cwd=home, env=env,
                                  capture_output=True, timeout=60, check=True).stdout
        private, public = export("--export-secret-keys"), export("--export")
        subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True, check=False)
        return (private, public) if private and public else None


def ec_with_parameters() -> bytes:
    """`openssl ecparam -genkey` layout: an EC PARAMETERS block, then the SEC1 key."""
    params = b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
    return params + pem(ec_key(), "pkcs1")
