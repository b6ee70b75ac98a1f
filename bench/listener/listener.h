/*
 * Many receive-only WebRTC audio endpoints in one process, for bench:sfu: each listener is ICE
 * (controlling, against the sfu's ICE-lite), a DTLS client handshake and SRTP decryption, on a
 * UDP socket of its own. It counts what arrives and decodes nothing, so that a thousand of them
 * cost the machine far less than the sfu that feeds them.
 */
#ifndef PARLEY_LISTENER_H
#define PARLEY_LISTENER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <openssl/ssl.h>
#include <srtp2/srtp.h>

enum listener_state { STATE_ICE, STATE_DTLS, STATE_UP, STATE_FAILED };

/* Marker onsets kept per listener between two stats (one a second; stats come every few seconds). */
#define MAX_ONSETS 64

struct listener {
  char id[64];
  int fd;
  enum listener_state state;
  /* STUN short-term credentials: USERNAME is "serverUfrag:clientUfrag", the key the server's password. */
  char username[300];
  char password[260];
  uint8_t tie_breaker[8];
  uint8_t transaction[12];
  /* Next connectivity check (retransmission before ICE is up, consent refresh after). */
  int64_t next_check_ms;
  int64_t last_response_ms;
  /* ICE and DTLS must be done by then. */
  int64_t deadline_ms;
  int64_t added_ms;
  char server_fingerprint[200];
  SSL *ssl;
  BIO *network_in;
  BIO *network_out;
  srtp_t srtp;
  int srtp_ready;
  /* RTP of the first SSRC seen: packets, and the extended highest sequence number (RFC 3550 A.1). */
  uint32_t ssrc;
  int have_ssrc;
  uint32_t base_seq;
  uint16_t max_seq;
  uint32_t cycles;
  uint64_t packets;
  uint64_t bytes;
  uint64_t duplicates;
  uint64_t late;
  uint64_t other_ssrc_packets;
  uint64_t rtcp_packets;
  uint64_t srtp_errors;
  /* Packets authenticated and decrypted (every verify_every-th one), the rest counted by header. */
  uint64_t verified;
  /* Datagrams the kernel dropped because this socket's buffer was full (SO_RXQ_OVFL): loss on this side. */
  uint32_t socket_drops;
  /* SRTP that came before this side had its keys (the server finished the handshake first). */
  uint64_t early_packets;
  uint64_t packets_at_last_stats;
  /*
   * Timing markers in the speaker's audio, found without decoding: the audio level each packet
   * carries in its header (RFC 6464, the extension id the consumer was given; 0: unknown yet).
   */
  int audio_level_id;
  int quiet_run;
  /* Kernel arrival times (wall clock, ms) of marker onsets not reported yet. */
  double onsets_ms[MAX_ONSETS];
  int onset_count;
};

int64_t now_ms(void);

/* rtp.c */
/* Counts one SRTP or SRTCP datagram; authenticates and decrypts one RTP packet in `verify_every`. */
void rtp_received(struct listener *l, uint8_t *buf, int len, double arrived_ms, uint64_t verify_every);

/* stun.c */
size_t stun_binding_request(uint8_t *out, size_t cap, const struct listener *l);
/* 1: the success response to `transaction`; -1: an error response to it; 0: anything else. */
int stun_binding_response(const uint8_t *buf, size_t len, const uint8_t transaction[12]);

/* dtls.c */
/* Makes this process's certificate; writes its SHA-256 fingerprint ("AB:CD:…"). 0 on success. */
int dtls_init(char *fingerprint, size_t cap);
int dtls_start(struct listener *l, char *error, size_t cap);
/* Feeds one DTLS datagram. 1: the handshake just completed and SRTP is keyed; 0: go on; -1: failed. */
int dtls_receive(struct listener *l, const uint8_t *buf, size_t len, char *error, size_t cap);
/* Retransmits a handshake flight whose timer ran out. */
void dtls_tick(struct listener *l);
void dtls_free(struct listener *l);

#endif
