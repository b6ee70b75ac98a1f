/*
 * parley-listener: the bench's lightweight listeners. Commands come on stdin, one a line:
 *   add <id> <server-ip> <server-port> <server-ufrag> <server-password> <server-sha256-fingerprint>
 *   level <id> <audio-level-extension-id>
 *   remove <id>
 *   stats
 * Events go to stdout as JSON lines: {"type":"ready","fingerprint":…} once (the certificate
 * fingerprint the signaling passes to the sfu), {"type":"up","id":…,"ms":…} when a listener's
 * SRTP is keyed, {"type":"failed","id":…,"reason":…}, and per stats command {"type":"stats",…}
 * then {"type":"onsets","ms":[…]} (kernel arrival times of timing markers, see rtp.c).
 * It exits when stdin closes.
 *
 * Usage: parley-listener [verify-every]. Every RTP packet is counted from its header; one in
 * `verify-every` (default 1: all) is also authenticated and decrypted with libsrtp. Debian's
 * libsrtp2 does AES-CM and HMAC-SHA1 through NSS at 4–20 µs a packet here, which at thousands of
 * listeners would cost more CPU than the sfu spends sending to them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <openssl/rand.h>
#include "listener.h"

#define TICK_MS 20
/*
 * Between two looks at the sockets, to take what arrived meanwhile in one go: woken for every
 * datagram, the process spent a quarter of its time switching in and out (measured with perf).
 * 2 ms is a tenth of an audio packet's interval, so no socket holds more than one meanwhile.
 */
#define BATCH_US 2000
#define ICE_RETRANSMIT_MS 200
#define CONSENT_MIN_MS 4000
#define CONSENT_SPREAD_MS 2000
#define SETUP_TIMEOUT_MS 30000
/* The sfu's own consent timeout is 30 s by default; a listener that hears nothing for longer is gone. */
#define CONSENT_LOST_MS 35000

static struct listener **listeners;
static size_t listener_count, listener_cap;
static int epoll_fd;
static uint64_t verify_every = 1;

int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') printf("\\%c", *s);
    else if ((unsigned char)*s < 0x20) printf("\\u%04x", *s);
    else putchar(*s);
  }
  putchar('"');
}

static void fail(struct listener *l, const char *reason) {
  if (l->state == STATE_FAILED) return;
  l->state = STATE_FAILED;
  printf("{\"type\":\"failed\",\"id\":");
  json_string(l->id);
  printf(",\"reason\":");
  json_string(reason);
  printf("}\n");
}

static void send_check(struct listener *l) {
  uint8_t request[600];
  size_t len = stun_binding_request(request, sizeof request, l);
  if (len) send(l->fd, request, len, 0);
}

static void new_transaction(struct listener *l) {
  RAND_bytes(l->transaction, sizeof l->transaction);
}

static int64_t consent_interval(void) {
  uint16_t r = 0;
  RAND_bytes((unsigned char *)&r, sizeof r);
  return CONSENT_MIN_MS + r % CONSENT_SPREAD_MS;
}

static void add_listener(char *args) {
  char id[64], ip[64], ufrag[256], password[256], fingerprint[200];
  int port = 0;
  if (sscanf(args, "%63s %63s %d %255s %255s %199s", id, ip, &port, ufrag, password, fingerprint) != 6) {
    printf("{\"type\":\"error\",\"message\":\"add needs: id ip port ufrag password fingerprint\"}\n");
    return;
  }
  struct listener *l = calloc(1, sizeof *l);
  snprintf(l->id, sizeof l->id, "%s", id);
  snprintf(l->password, sizeof l->password, "%s", password);
  snprintf(l->server_fingerprint, sizeof l->server_fingerprint, "%s", fingerprint);
  unsigned char local[6];
  RAND_bytes(local, sizeof local);
  snprintf(l->username, sizeof l->username, "%s:%02x%02x%02x%02x%02x%02x", ufrag, local[0], local[1], local[2], local[3], local[4], local[5]);
  RAND_bytes(l->tie_breaker, sizeof l->tie_breaker);
  new_transaction(l);
  l->added_ms = now_ms();
  l->deadline_ms = l->added_ms + SETUP_TIMEOUT_MS;
  l->state = STATE_ICE;

  struct sockaddr_storage server;
  socklen_t server_len;
  memset(&server, 0, sizeof server);
  struct sockaddr_in *v4 = (struct sockaddr_in *)&server;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&server;
  if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    server_len = sizeof *v4;
  } else if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    server_len = sizeof *v6;
  } else {
    l->fd = -1;
    fail(l, "the server address is not an IP address");
    goto keep;
  }
  /* Connected: the kernel picks the source address and drops datagrams from anyone else. */
  l->fd = socket(server.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (l->fd < 0 || connect(l->fd, (struct sockaddr *)&server, server_len) != 0) {
    fail(l, strerror(errno));
    goto keep;
  }
  int on = 1;
  setsockopt(l->fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
  /* Arrival times from the kernel, unaffected by when this process gets to read. */
  setsockopt(l->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  struct epoll_event event = {.events = EPOLLIN, .data.ptr = l};
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, l->fd, &event);
  send_check(l);
  l->next_check_ms = l->added_ms + ICE_RETRANSMIT_MS;
keep:
  if (listener_count == listener_cap) {
    listener_cap = listener_cap ? listener_cap * 2 : 256;
    listeners = realloc(listeners, listener_cap * sizeof *listeners);
  }
  listeners[listener_count++] = l;
}

static void remove_listener(const char *id) {
  for (size_t i = 0; i < listener_count; i++) {
    struct listener *l = listeners[i];
    if (strcmp(l->id, id) != 0) continue;
    if (l->fd >= 0) close(l->fd);
    dtls_free(l);
    free(l);
    listeners[i] = listeners[--listener_count];
    return;
  }
}

static void on_datagram(struct listener *l) {
  uint8_t buf[2048];
  union {
    struct cmsghdr align;
    char space[CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(struct timespec))];
  } control;
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
  struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
  /* One datagram per readiness: epoll reports the socket again if more are waiting. */
  ssize_t n = recvmsg(l->fd, &message, 0);
  if (n <= 0) return;
  double arrived_ms = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SO_RXQ_OVFL) memcpy(&l->socket_drops, CMSG_DATA(c), sizeof l->socket_drops);
    if (c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      arrived_ms = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
    }
  }
  if (l->state == STATE_FAILED) return;
  char error[300];
  uint8_t first = buf[0];
  if (first <= 3) {
    int response = stun_binding_response(buf, (size_t)n, l->transaction);
    if (response == 0) return;
    if (response < 0) {
      fail(l, "the sfu refused the ICE connectivity check");
      return;
    }
    l->last_response_ms = now_ms();
    if (l->state == STATE_ICE) {
      l->state = STATE_DTLS;
      l->next_check_ms = l->last_response_ms + consent_interval();
      if (dtls_start(l, error, sizeof error) != 0) fail(l, error);
    }
  } else if (first >= 20 && first <= 63) {
    int done = dtls_receive(l, buf, (size_t)n, error, sizeof error);
    if (done < 0) {
      fail(l, error);
    } else if (done == 1) {
      l->state = STATE_UP;
      printf("{\"type\":\"up\",\"id\":");
      json_string(l->id);
      printf(",\"ms\":%lld}\n", (long long)(now_ms() - l->added_ms));
    }
  } else if (first >= 128 && first <= 191 && n >= 12) {
    rtp_received(l, buf, (int)n, arrived_ms, verify_every);
  }
}

static void tick(int64_t now) {
  for (size_t i = 0; i < listener_count; i++) {
    struct listener *l = listeners[i];
    if (l->state == STATE_FAILED) continue;
    if (l->state != STATE_UP && now > l->deadline_ms) {
      fail(l, l->state == STATE_ICE ? "no answer to ICE checks within 30 s" : "the DTLS handshake did not finish within 30 s");
      continue;
    }
    if (l->state == STATE_DTLS) dtls_tick(l);
    if (l->state == STATE_UP && now - l->last_response_ms > CONSENT_LOST_MS) {
      fail(l, "the sfu stopped answering consent checks");
      continue;
    }
    if (now < l->next_check_ms) continue;
    if (l->state == STATE_ICE) {
      l->next_check_ms = now + ICE_RETRANSMIT_MS;
    } else {
      /* Consent freshness (RFC 7675): a new transaction every few seconds keeps the sfu sending. */
      new_transaction(l);
      l->next_check_ms = now + consent_interval();
    }
    send_check(l);
  }
}

static void print_stats(void) {
  uint64_t packets = 0, bytes = 0, lost = 0, duplicates = 0, late = 0, other = 0, rtcp = 0, srtp_errors = 0, early = 0;
  uint64_t verified = 0, socket_drops = 0;
  uint64_t worst_lost = 0;
  size_t up = 0, failed = 0, silent = 0;
  for (size_t i = 0; i < listener_count; i++) {
    struct listener *l = listeners[i];
    if (l->state == STATE_UP) up++;
    if (l->state == STATE_FAILED) failed++;
    if (l->state == STATE_UP && l->packets == l->packets_at_last_stats) silent++;
    l->packets_at_last_stats = l->packets;
    uint64_t expected = l->have_ssrc ? (uint64_t)l->cycles + l->max_seq - l->base_seq + 1 : 0;
    uint64_t missing = expected > l->packets ? expected - l->packets : 0;
    if (missing > worst_lost) worst_lost = missing;
    packets += l->packets;
    bytes += l->bytes;
    lost += missing;
    duplicates += l->duplicates;
    late += l->late;
    other += l->other_ssrc_packets;
    rtcp += l->rtcp_packets;
    srtp_errors += l->srtp_errors;
    early += l->early_packets;
    verified += l->verified;
    socket_drops += l->socket_drops;
  }
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  printf("{\"type\":\"stats\",\"listeners\":%zu,\"up\":%zu,\"failed\":%zu,\"silent\":%zu,\"packets\":%llu,\"bytes\":%llu,"
         "\"lost\":%llu,\"worstLost\":%llu,\"duplicates\":%llu,\"late\":%llu,\"otherSsrc\":%llu,\"rtcp\":%llu,\"srtpErrors\":%llu,"
         "\"early\":%llu,\"verified\":%llu,\"socketDrops\":%llu,\"userS\":%.3f,\"systemS\":%.3f,\"maxRssKb\":%ld}\n",
         listener_count, up, failed, silent, (unsigned long long)packets, (unsigned long long)bytes, (unsigned long long)lost,
         (unsigned long long)worst_lost, (unsigned long long)duplicates, (unsigned long long)late, (unsigned long long)other,
         (unsigned long long)rtcp, (unsigned long long)srtp_errors, (unsigned long long)early,
         (unsigned long long)verified, (unsigned long long)socket_drops,
         usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6, usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6, usage.ru_maxrss);
  /* The marker onsets heard since the previous stats, by every listener, on a line of their own. */
  printf("{\"type\":\"onsets\",\"ms\":[");
  int first = 1;
  for (size_t i = 0; i < listener_count; i++) {
    struct listener *l = listeners[i];
    for (int k = 0; k < l->onset_count; k++) {
      printf(first ? "%.3f" : ",%.3f", l->onsets_ms[k]);
      first = 0;
    }
    l->onset_count = 0;
  }
  printf("]}\n");
}

static void set_audio_level_id(const char *args) {
  char id[64];
  int extension = 0;
  if (sscanf(args, "%63s %d", id, &extension) != 2) return;
  for (size_t i = 0; i < listener_count; i++) {
    if (strcmp(listeners[i]->id, id) == 0) listeners[i]->audio_level_id = extension;
  }
}

static void on_command(char *line) {
  if (strncmp(line, "add ", 4) == 0) add_listener(line + 4);
  else if (strncmp(line, "level ", 6) == 0) set_audio_level_id(line + 6);
  else if (strncmp(line, "remove ", 7) == 0) remove_listener(line + 7);
  else if (strcmp(line, "stats") == 0) print_stats();
  else if (*line) printf("{\"type\":\"error\",\"message\":\"unknown command\"}\n");
}

/* Reads what stdin has; returns 0 once it is closed. */
static int read_commands(void) {
  static char pending[65536];
  static size_t used;
  ssize_t n = read(STDIN_FILENO, pending + used, sizeof pending - 1 - used);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return 0;
  if (n < 0) return 1;
  used += (size_t)n;
  pending[used] = '\0';
  char *start = pending;
  char *newline;
  while ((newline = strchr(start, '\n')) != NULL) {
    *newline = '\0';
    on_command(start);
    start = newline + 1;
  }
  used = (size_t)(pending + used - start);
  memmove(pending, start, used);
  if (used == sizeof pending - 1) used = 0; /* a line that long is no command */
  return 1;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 1) verify_every = strtoull(argv[1], NULL, 10);
  if (verify_every < 1) verify_every = 1;
  struct rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  char fingerprint[200];
  if (dtls_init(fingerprint, sizeof fingerprint) != 0) {
    fprintf(stderr, "parley-listener: could not set up OpenSSL and libsrtp\n");
    return 1;
  }
  epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
  struct epoll_event in = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, STDIN_FILENO, &in);
  printf("{\"type\":\"ready\",\"fingerprint\":\"%s\"}\n", fingerprint);

  struct epoll_event events[256];
  int64_t next_tick = now_ms() + TICK_MS;
  for (;;) {
    int timeout = (int)(next_tick - now_ms());
    int n = epoll_wait(epoll_fd, events, 256, timeout > 0 ? timeout : 0);
    int commands = 0;
    for (int i = 0; i < n; i++) {
      struct listener *l = events[i].data.ptr;
      if (l) on_datagram(l);
      else commands = 1;
    }
    /* After the datagrams: a "remove" frees a listener that this batch of events may still name. */
    if (commands && !read_commands()) return 0;
    if (n < 256 && listener_count > 0) usleep(BATCH_US);
    int64_t now = now_ms();
    if (now >= next_tick) {
      tick(now);
      next_tick = now + TICK_MS;
    }
  }
}
