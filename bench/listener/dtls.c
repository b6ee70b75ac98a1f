/*
 * The DTLS client side of DTLS-SRTP (RFC 5764): one certificate for the whole process (its
 * fingerprint goes to the sfu in connectTransport), memory BIOs so that the one UDP socket of a
 * listener carries STUN, DTLS and SRTP, and SRTP keys exported from the handshake.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include "listener.h"

/* Loopback would take more, but this is what a WebRTC stack keeps a flight under. */
#define DTLS_MTU 1200
/* The longest key and salt of the profiles offered (AES-256: 32-byte key; AES-CM: 14-byte salt). */
#define DTLS_SRTP_MAX_KEY_LEN 32
#define DTLS_SRTP_MAX_SALT_LEN 14

static SSL_CTX *context;

static int accept_any_certificate(int preverified, X509_STORE_CTX *store) {
  (void)preverified;
  (void)store;
  /* WebRTC certificates are self-signed: the peer is checked against the signalled fingerprint. */
  return 1;
}

static void format_fingerprint(const unsigned char *md, unsigned int len, char *out, size_t cap) {
  size_t at = 0;
  for (unsigned int i = 0; i < len && at + 3 < cap; i++) at += (size_t)snprintf(out + at, cap - at, i ? ":%02X" : "%02X", md[i]);
}

static void last_error(const char *what, char *error, size_t cap) {
  char detail[200] = "";
  unsigned long code = ERR_get_error();
  if (code) ERR_error_string_n(code, detail, sizeof detail);
  snprintf(error, cap, "%s%s%s", what, code ? ": " : "", detail);
  ERR_clear_error();
}

int dtls_init(char *fingerprint, size_t cap) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *cert = X509_new();
  if (!key || !cert) return -1;
  uint32_t serial = 0;
  RAND_bytes((unsigned char *)&serial, sizeof serial);
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial & 0x7FFFFFFF);
  X509_gmtime_adj(X509_getm_notBefore(cert), -86400);
  X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 86400);
  X509_set_pubkey(cert, key);
  X509_NAME *name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"parley-bench-listener", -1, -1, 0);
  X509_set_issuer_name(cert, name);
  if (!X509_sign(cert, key, EVP_sha256())) return -1;

  context = SSL_CTX_new(DTLS_client_method());
  if (!context) return -1;
  SSL_CTX_set_min_proto_version(context, DTLS1_2_VERSION);
  if (SSL_CTX_use_certificate(context, cert) != 1 || SSL_CTX_use_PrivateKey(context, key) != 1) return -1;
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any_certificate);
  /* Returns 0 on success. Chromium's offer, in its order: the AES-GCM profiles first (the sfu
   * picks AEAD_AES_256_GCM with a browser), then the AES-CM one every sfu accepts. */
  if (SSL_CTX_set_tlsext_use_srtp(context, "SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") != 0) return -1;
  SSL_CTX_set_read_ahead(context, 1);

  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!X509_digest(cert, EVP_sha256(), md, &len)) return -1;
  format_fingerprint(md, len, fingerprint, cap);
  X509_free(cert);
  EVP_PKEY_free(key);
  return srtp_init() == srtp_err_status_ok ? 0 : -1;
}

/* Sends what OpenSSL wrote (a whole flight goes out as one datagram). */
static void flush(struct listener *l) {
  char *data = NULL;
  long pending = BIO_get_mem_data(l->network_out, &data);
  if (pending > 0) send(l->fd, data, (size_t)pending, 0);
  (void)BIO_reset(l->network_out);
}

int dtls_start(struct listener *l, char *error, size_t cap) {
  l->ssl = SSL_new(context);
  l->network_in = BIO_new(BIO_s_mem());
  l->network_out = BIO_new(BIO_s_mem());
  if (!l->ssl || !l->network_in || !l->network_out) {
    last_error("could not create the DTLS session", error, cap);
    return -1;
  }
  BIO_set_mem_eof_return(l->network_in, -1);
  BIO_set_mem_eof_return(l->network_out, -1);
  SSL_set_bio(l->ssl, l->network_in, l->network_out);
  SSL_set_options(l->ssl, SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu(l->ssl, DTLS_MTU);
  DTLS_set_link_mtu(l->ssl, DTLS_MTU);
  SSL_set_connect_state(l->ssl);
  int ret = SSL_do_handshake(l->ssl);
  flush(l);
  if (ret <= 0 && SSL_get_error(l->ssl, ret) != SSL_ERROR_WANT_READ) {
    last_error("the DTLS handshake could not start", error, cap);
    return -1;
  }
  return 0;
}

static int check_peer(struct listener *l, char *error, size_t cap) {
  X509 *peer = SSL_get1_peer_certificate(l->ssl);
  if (!peer) {
    snprintf(error, cap, "the sfu sent no DTLS certificate");
    return -1;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  char fingerprint[200] = "";
  X509_digest(peer, EVP_sha256(), md, &len);
  X509_free(peer);
  format_fingerprint(md, len, fingerprint, sizeof fingerprint);
  if (strcasecmp(fingerprint, l->server_fingerprint) != 0) {
    snprintf(error, cap, "the sfu's DTLS certificate does not match the signalled fingerprint");
    return -1;
  }
  return 0;
}

/* Keys for what the server sends: its write key and salt (RFC 5764 §4.2), for the profile it chose. */
static int key_srtp(struct listener *l, char *error, size_t cap) {
  SRTP_PROTECTION_PROFILE *profile = SSL_get_selected_srtp_profile(l->ssl);
  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  size_t key_len, salt_len;
  switch (profile ? profile->id : 0) {
    case SRTP_AEAD_AES_256_GCM:
      key_len = 32, salt_len = 12;
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp);
      break;
    case SRTP_AEAD_AES_128_GCM:
      key_len = 16, salt_len = 12;
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
      break;
    case SRTP_AES128_CM_SHA1_80:
      key_len = 16, salt_len = 14;
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
      break;
    default:
      snprintf(error, cap, "the sfu chose no SRTP profile this listener offered");
      return -1;
  }
  unsigned char material[2 * (DTLS_SRTP_MAX_KEY_LEN + DTLS_SRTP_MAX_SALT_LEN)];
  static const char label[] = "EXTRACTOR-dtls_srtp";
  size_t material_len = 2 * (key_len + salt_len);
  if (SSL_export_keying_material(l->ssl, material, material_len, label, sizeof label - 1, NULL, 0, 0) != 1) {
    last_error("could not export the SRTP keys", error, cap);
    return -1;
  }
  /* client key | server key | client salt | server salt */
  unsigned char key[DTLS_SRTP_MAX_KEY_LEN + DTLS_SRTP_MAX_SALT_LEN];
  memcpy(key, material + key_len, key_len);
  memcpy(key + key_len, material + 2 * key_len + salt_len, salt_len);
  policy.ssrc.type = ssrc_any_inbound;
  policy.key = key;
  policy.window_size = 1024;
  if (srtp_create(&l->srtp, &policy) != srtp_err_status_ok) {
    snprintf(error, cap, "libsrtp could not create the session for %s", profile->name);
    return -1;
  }
  l->srtp_ready = 1;
  return 0;
}

int dtls_receive(struct listener *l, const uint8_t *buf, size_t len, char *error, size_t cap) {
  if (!l->ssl) return 0;
  BIO_write(l->network_in, buf, (int)len);
  if (!SSL_is_init_finished(l->ssl)) {
    int ret = SSL_do_handshake(l->ssl);
    flush(l);
    if (ret == 1) {
      if (check_peer(l, error, cap) != 0 || key_srtp(l, error, cap) != 0) return -1;
      return 1;
    }
    if (SSL_get_error(l->ssl, ret) == SSL_ERROR_WANT_READ) return 0;
    last_error("the DTLS handshake failed", error, cap);
    return -1;
  }
  /* After the handshake only alerts come this way (no data channel is negotiated). */
  unsigned char sink[2048];
  while (SSL_read(l->ssl, sink, sizeof sink) > 0) {
  }
  flush(l);
  ERR_clear_error();
  if (SSL_get_shutdown(l->ssl) & SSL_RECEIVED_SHUTDOWN) {
    snprintf(error, cap, "the sfu closed the DTLS session");
    return -1;
  }
  return 0;
}

void dtls_tick(struct listener *l) {
  if (l->ssl && !SSL_is_init_finished(l->ssl) && DTLSv1_handle_timeout(l->ssl) > 0) flush(l);
}

void dtls_free(struct listener *l) {
  if (l->ssl) SSL_free(l->ssl); /* frees both BIOs */
  l->ssl = NULL;
  if (l->srtp_ready) srtp_dealloc(l->srtp);
  l->srtp_ready = 0;
}
