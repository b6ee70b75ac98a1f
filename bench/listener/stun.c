/* STUN Binding requests as a controlling ICE agent sends them (RFC 8489, RFC 8445 §7.1). */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "listener.h"

#define STUN_MAGIC 0x2112A442u
#define ATTR_USERNAME 0x0006
#define ATTR_MESSAGE_INTEGRITY 0x0008
#define ATTR_PRIORITY 0x0024
#define ATTR_USE_CANDIDATE 0x0025
#define ATTR_FINGERPRINT 0x8028
#define ATTR_ICE_CONTROLLING 0x802A
/* A peer-reflexive candidate's priority (type preference 110), component 1. */
#define CANDIDATE_PRIORITY ((110u << 24) | (65535u << 8) | 255u)

static uint32_t crc_table[256];

static void crc_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
}

static uint32_t crc32(const uint8_t *buf, size_t len) {
  if (crc_table[1] == 0) crc_init();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < len; i++) c = crc_table[(c ^ buf[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* Appends one attribute, padded to 4 bytes; returns the new length, 0 if it does not fit. */
static size_t put_attr(uint8_t *out, size_t at, size_t cap, uint16_t type, const void *value, size_t len) {
  size_t padded = (len + 3) & ~(size_t)3;
  if (at + 4 + padded > cap) return 0;
  put16(out + at, type);
  put16(out + at + 2, (uint16_t)len);
  if (len) memcpy(out + at + 4, value, len);
  memset(out + at + 4 + len, 0, padded - len);
  return at + 4 + padded;
}

size_t stun_binding_request(uint8_t *out, size_t cap, const struct listener *l) {
  if (cap < 20) return 0;
  put16(out, 0x0001);
  put32(out + 4, STUN_MAGIC);
  memcpy(out + 8, l->transaction, 12);
  uint8_t priority[4];
  put32(priority, CANDIDATE_PRIORITY);
  size_t at = 20;
  if (!(at = put_attr(out, at, cap, ATTR_USERNAME, l->username, strlen(l->username)))) return 0;
  if (!(at = put_attr(out, at, cap, ATTR_PRIORITY, priority, 4))) return 0;
  if (!(at = put_attr(out, at, cap, ATTR_ICE_CONTROLLING, l->tie_breaker, 8))) return 0;
  /* Aggressive nomination: every check nominates the one pair there is; consent checks too. */
  if (!(at = put_attr(out, at, cap, ATTR_USE_CANDIDATE, NULL, 0))) return 0;
  if (at + 24 + 8 > cap) return 0;
  /* MESSAGE-INTEGRITY covers the message with the length field already counting itself. */
  put16(out + 2, (uint16_t)(at - 20 + 24));
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), l->password, (int)strlen(l->password), out, at, mac, &mac_len);
  at = put_attr(out, at, cap, ATTR_MESSAGE_INTEGRITY, mac, 20);
  put16(out + 2, (uint16_t)(at - 20 + 8));
  uint8_t fingerprint[4];
  put32(fingerprint, crc32(out, at) ^ 0x5354554Eu);
  return put_attr(out, at, cap, ATTR_FINGERPRINT, fingerprint, 4);
}

int stun_binding_response(const uint8_t *buf, size_t len, const uint8_t transaction[12]) {
  if (len < 20) return 0;
  uint32_t magic = (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 | (uint32_t)buf[6] << 8 | buf[7];
  if (magic != STUN_MAGIC || memcmp(buf + 8, transaction, 12) != 0) return 0;
  uint16_t type = (uint16_t)(buf[0] << 8 | buf[1]);
  if (type == 0x0101) return 1;
  if (type == 0x0111) return -1;
  return 0;
}
