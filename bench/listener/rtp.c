/*
 * What a listener does with media: SRTP and SRTCP counted (a share authenticated and decrypted),
 * sequence gaps per RFC 3550 A.1, and timing markers found in the packets' audio levels.
 */
#include "listener.h"

/* The bench's speaker sends a 40 ms burst near full scale after 120 ms of near-silence, once a
 * second (bench/forwarding/markedSpeech.ts); its audio levels (-dBov) are about 4, then 60+. */
#define LOUD_LEVEL 12
#define QUIET_LEVEL 40
/* Four 20 ms packets: speech has no such quiet runs, only the gap before each marker does. */
#define QUIET_PACKETS_BEFORE_ONSET 4

/* The audio level of a one-byte-header extension block (RFC 8285), or -1. */
static int audio_level(const uint8_t *buf, int len, int extension_id) {
  if (!extension_id || !(buf[0] & 0x10)) return -1;
  int at = 12 + 4 * (buf[0] & 0x0F);
  if (at + 4 > len || buf[at] != 0xBE || buf[at + 1] != 0xDE) return -1;
  int end = at + 4 + 4 * (buf[at + 2] << 8 | buf[at + 3]);
  if (end > len) return -1;
  for (int i = at + 4; i < end;) {
    int id = buf[i] >> 4;
    int size = (buf[i] & 0x0F) + 1;
    if (id == 0) {
      i++; /* padding */
      continue;
    }
    if (id == 15) break;
    if (id == extension_id && i + 1 < end) return buf[i + 1] & 0x7F;
    i += 1 + size;
  }
  return -1;
}

static void note_marker(struct listener *l, const uint8_t *buf, int len, double arrived_ms) {
  int level = audio_level(buf, len, l->audio_level_id);
  if (level < 0) return;
  if (level >= QUIET_LEVEL) {
    l->quiet_run++;
    return;
  }
  if (level <= LOUD_LEVEL && l->quiet_run >= QUIET_PACKETS_BEFORE_ONSET && arrived_ms > 0 && l->onset_count < MAX_ONSETS) {
    l->onsets_ms[l->onset_count++] = arrived_ms;
  }
  l->quiet_run = 0;
}

static void count_sequence(struct listener *l, const uint8_t *buf, int len) {
  uint16_t seq = (uint16_t)(buf[2] << 8 | buf[3]);
  uint32_t ssrc = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 | (uint32_t)buf[10] << 8 | buf[11];
  if (!l->have_ssrc) {
    l->have_ssrc = 1;
    l->ssrc = ssrc;
    l->base_seq = seq;
    l->max_seq = seq;
  } else if (ssrc != l->ssrc) {
    l->other_ssrc_packets++;
    return;
  } else {
    uint16_t ahead = (uint16_t)(seq - l->max_seq);
    if (ahead == 0) {
      l->duplicates++;
      return;
    }
    if (ahead < 0x8000) {
      if (seq < l->max_seq) l->cycles += 65536;
      l->max_seq = seq;
    } else {
      l->late++;
    }
  }
  l->packets++;
  l->bytes += (uint64_t)len;
}

void rtp_received(struct listener *l, uint8_t *buf, int len, double arrived_ms, uint64_t verify_every) {
  if (!l->srtp_ready) {
    l->early_packets++;
    return;
  }
  if (buf[1] >= 192 && buf[1] <= 223) {
    if (srtp_unprotect_rtcp(l->srtp, buf, &len) == srtp_err_status_ok) l->rtcp_packets++;
    else l->srtp_errors++;
    return;
  }
  /* The first packet always: libsrtp learns the stream's sequence numbers from it. */
  if (l->packets % verify_every == 0) {
    if (srtp_unprotect(l->srtp, buf, &len) != srtp_err_status_ok) {
      l->srtp_errors++;
      return;
    }
    l->verified++;
  }
  /* The header (extensions included) is not encrypted by SRTP: the same either way. */
  note_marker(l, buf, len, arrived_ms);
  count_sequence(l, buf, len);
}
