//! The phone's keys, through the browser's WebCrypto (`SubtleCrypto`): every personal
//! byte the officer app stores is sealed with AES-256-GCM under a random **data key**,
//! one per user and device, that never leaves the browser's crypto in the clear once
//! unlocked (it is held as a non-extractable `CryptoKey`).
//!
//! The data key is kept on the phone only wrapped (AES-GCM key wrap): by a **PIN key**,
//! derived from the officer's PIN with PBKDF2-SHA-256 ([`PIN_ITERATIONS`], a random salt
//! per wrap), and by a **recovery key** that the server gives only to a signed-in session
//! of the user (`server/src/recovery.rs`), so a forgotten PIN loses nothing. The wrapped
//! keys, the salt and the count of wrong PINs form the [`Keyring`],
//! stored beside the records (`local_db`'s `keys` store). A wrong PIN makes the unwrap
//! fail (GCM authenticates), so nothing but the right PIN opens anything.
//!
//! Each sealed value is `iv (12 random bytes) ‖ ciphertext+tag`, with the value's place
//! (`store/key`) as additional data: a sealed summary cannot be passed off as another
//! record's, or as a document.

use js_sys::{Array, Object, Promise, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AesDerivedKeyParams, AesGcmParams, AesKeyGenParams, CryptoKey, Pbkdf2Params, SubtleCrypto,
};

/// PBKDF2-SHA-256 rounds for the PIN key: the cost of every guess for whoever copies
/// the phone's storage. Measured in headless Chromium's WebCrypto on a server core (AMD
/// EPYC): 76–100 ms, 143–147 ms with the CPU throttled 4×; a low-end phone's core is
/// several times slower at SHA-256, so about a second there (estimated, see
/// `docs/security.md`). It is also OWASP's 2023 figure for PBKDF2-SHA-256. Stored in
/// each keyring, so raising it later keeps old keyrings opening.
pub const PIN_ITERATIONS: u32 = 600_000;
/// Wrong PINs in a row after which the PIN is refused until an online login.
pub const MAX_WRONG_PINS: u32 = 10;

const IV_BYTES: usize = 12;
const SALT_BYTES: usize = 16;

/// Why a crypto operation failed.
#[derive(Debug, Clone, PartialEq)]
pub enum CryptoError {
    /// The browser has no WebCrypto (an insecure origin, a very old browser).
    Unavailable,
    /// Authentication failed: a wrong key or PIN, or a damaged value.
    Rejected,
    Other(String),
}

impl From<JsValue> for CryptoError {
    fn from(error: JsValue) -> Self {
        let name = error
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.name()))
            .or_else(|| {
                js_sys::Reflect::get(&error, &"name".into())
                    .ok()
                    .and_then(|n| n.as_string())
            })
            .unwrap_or_default();
        if name == "OperationError" {
            CryptoError::Rejected
        } else {
            CryptoError::Other(format!("{name}: {error:?}"))
        }
    }
}

fn subtle() -> Result<SubtleCrypto, CryptoError> {
    let crypto = web_sys::window()
        .ok_or(CryptoError::Unavailable)?
        .crypto()
        .map_err(|_| CryptoError::Unavailable)?;
    Ok(crypto.subtle())
}

/// `n` random bytes from the browser's CSPRNG.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok())
        .expect("the browser's random numbers");
    bytes
}

async fn resolve(promise: Result<Promise, JsValue>) -> Result<JsValue, CryptoError> {
    Ok(JsFuture::from(promise?).await?)
}

fn usages(names: &[&str]) -> Array {
    names.iter().map(|n| JsValue::from_str(n)).collect()
}

fn gcm(iv: &[u8], aad: Option<&[u8]>) -> AesGcmParams {
    let params = AesGcmParams::new_with_u8_array("AES-GCM", &Uint8Array::from(iv));
    if let Some(aad) = aad {
        params.set_additional_data_u8_array(&Uint8Array::from(aad));
    }
    params
}

/// The unlocked data key: seals and opens the values of one user's database.
#[derive(Clone, Debug)]
pub struct Vault {
    key: CryptoKey,
}

impl Vault {
    /// Seals `plain`, bound to its place `aad` (`store/key`).
    pub async fn seal(&self, aad: &str, plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let iv = random_bytes(IV_BYTES);
        let params = gcm(&iv, Some(aad.as_bytes()));
        let sealed =
            resolve(subtle()?.encrypt_with_object_and_u8_array(&params, &self.key, plain)).await?;
        let sealed = Uint8Array::new(&sealed);
        let mut out = Vec::with_capacity(IV_BYTES + sealed.length() as usize);
        out.extend_from_slice(&iv);
        out.extend_from_slice(&sealed.to_vec());
        Ok(out)
    }

    /// Opens what [`Vault::seal`] sealed at the same place.
    pub async fn open(&self, aad: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < IV_BYTES {
            return Err(CryptoError::Rejected);
        }
        let (iv, body) = sealed.split_at(IV_BYTES);
        let params = gcm(iv, Some(aad.as_bytes()));
        let plain =
            resolve(subtle()?.decrypt_with_object_and_u8_array(&params, &self.key, body)).await?;
        Ok(Uint8Array::new(&plain).to_vec())
    }
}

/// The data key wrapped by the PIN key, and what unlocking needs beside it. Not secret
/// by itself: it opens only with the PIN, at [`PIN_ITERATIONS`] rounds a guess.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Keyring {
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub iv: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    /// Wrong PINs in a row; counted *before* each try, so a page closed mid-try counts.
    pub wrong_pins: u32,
    /// The same data key wrapped by the server-held recovery key, for a forgotten PIN;
    /// `None` when the PIN was set without a connection.
    #[serde(default)]
    pub recovery: Option<RecoveryWrap>,
}

/// The data key wrapped by the recovery key of `key_id` (`POST /api/auth/recovery-key`,
/// given only to a session of this user, i.e. after a password login).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryWrap {
    pub key_id: String,
    pub iv: Vec<u8>,
    pub wrapped_key: Vec<u8>,
}

impl Keyring {
    /// No PIN is accepted any more: an online login must come first.
    pub fn locked_out(&self) -> bool {
        self.wrong_pins >= MAX_WRONG_PINS
    }

    /// Tries left before the lock-out.
    pub fn tries_left(&self) -> u32 {
        MAX_WRONG_PINS.saturating_sub(self.wrong_pins)
    }

    /// A new random data key, wrapped under `pin` and, when given, under the recovery
    /// key `(key_id, key)`; returns it unlocked too.
    pub async fn create(
        pin: &str,
        recovery: Option<(String, Vec<u8>)>,
    ) -> Result<(Keyring, Vault), CryptoError> {
        // Extractable only so it can be wrapped, here, once; the vault holds the
        // non-extractable copy unwrapped below.
        let fresh: CryptoKey = resolve(subtle()?.generate_key_with_object(
            &AesKeyGenParams::new("AES-GCM", 256),
            true,
            &usages(&["encrypt", "decrypt"]),
        ))
        .await?
        .unchecked_into();
        let recovery = match recovery {
            Some((key_id, key)) => {
                let wrapping = wrapping_key(&key).await?;
                let (iv, wrapped_key) = wrap(&fresh, &wrapping).await?;
                Some(RecoveryWrap {
                    key_id,
                    iv,
                    wrapped_key,
                })
            }
            None => None,
        };
        Keyring::wrap_under_pin(&fresh, pin, recovery).await
    }

    /// After a forgotten PIN: opens the data key with the recovery key and wraps it
    /// under `new_pin`; the records stay as they are.
    pub async fn recover(
        &self,
        recovery_key: &[u8],
        new_pin: &str,
    ) -> Result<(Keyring, Vault), CryptoError> {
        let recovery = self.recovery.clone().ok_or(CryptoError::Rejected)?;
        let wrapping = wrapping_key(recovery_key).await?;
        let data_key = unwrap(&recovery.wrapped_key, &recovery.iv, &wrapping, true).await?;
        Keyring::wrap_under_pin(&data_key, new_pin, Some(recovery)).await
    }

    async fn wrap_under_pin(
        data_key: &CryptoKey,
        pin: &str,
        recovery: Option<RecoveryWrap>,
    ) -> Result<(Keyring, Vault), CryptoError> {
        let salt = random_bytes(SALT_BYTES);
        let pin_key = pin_key(pin, &salt, PIN_ITERATIONS).await?;
        let (iv, wrapped_key) = wrap(data_key, &pin_key).await?;
        let keyring = Keyring {
            salt,
            iterations: PIN_ITERATIONS,
            iv,
            wrapped_key,
            wrong_pins: 0,
            recovery,
        };
        let vault = keyring.unwrap_with(&pin_key).await?;
        Ok((keyring, vault))
    }

    /// Unwraps the data key with `pin`; [`CryptoError::Rejected`] for a wrong PIN.
    pub async fn unlock(&self, pin: &str) -> Result<Vault, CryptoError> {
        let pin_key = pin_key(pin, &self.salt, self.iterations).await?;
        self.unwrap_with(&pin_key).await
    }

    async fn unwrap_with(&self, pin_key: &CryptoKey) -> Result<Vault, CryptoError> {
        let key = unwrap(&self.wrapped_key, &self.iv, pin_key, false).await?;
        Ok(Vault { key })
    }
}

/// Wraps `key` (raw) with AES-GCM under `wrapping`, with a fresh IV: `(iv, wrapped)`.
async fn wrap(key: &CryptoKey, wrapping: &CryptoKey) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let iv = random_bytes(IV_BYTES);
    let wrapped =
        resolve(subtle()?.wrap_key_with_object("raw", key, wrapping, &gcm(&iv, None))).await?;
    Ok((iv, Uint8Array::new(&wrapped).to_vec()))
}

/// Unwraps an AES-GCM data key; `extractable` only to wrap it again.
async fn unwrap(
    wrapped: &[u8],
    iv: &[u8],
    wrapping: &CryptoKey,
    extractable: bool,
) -> Result<CryptoKey, CryptoError> {
    let key = resolve(subtle()?.unwrap_key_with_u8_array_and_object_and_object(
        "raw",
        wrapped,
        wrapping,
        &gcm(iv, None),
        &JsValue::from_str("AES-GCM").unchecked_into::<Object>(),
        extractable,
        &usages(&["encrypt", "decrypt"]),
    ))
    .await?;
    Ok(key.unchecked_into())
}

/// A server-given recovery key (32 raw bytes) as a wrapping key.
async fn wrapping_key(raw: &[u8]) -> Result<CryptoKey, CryptoError> {
    let key = resolve(subtle()?.import_key_with_str(
        "raw",
        &Uint8Array::from(raw),
        "AES-GCM",
        false,
        &usages(&["wrapKey", "unwrapKey"]),
    ))
    .await?;
    Ok(key.unchecked_into())
}

/// PBKDF2-SHA-256 of `pin` into an AES-256-GCM key that wraps the data key.
async fn pin_key(pin: &str, salt: &[u8], iterations: u32) -> Result<CryptoKey, CryptoError> {
    let subtle = subtle()?;
    let base: CryptoKey = resolve(subtle.import_key_with_str(
        "raw",
        &Uint8Array::from(pin.as_bytes()),
        "PBKDF2",
        false,
        &usages(&["deriveKey"]),
    ))
    .await?
    .unchecked_into();
    let params =
        Pbkdf2Params::new_with_str("PBKDF2", "SHA-256", iterations, &Uint8Array::from(salt));
    let key = resolve(subtle.derive_key_with_object_and_object(
        &params,
        &base,
        &AesDerivedKeyParams::new("AES-GCM", 256),
        false,
        &usages(&["wrapKey", "unwrapKey"]),
    ))
    .await?;
    Ok(key.unchecked_into())
}
