/*
 * kcpbench-forwarder: the user-space half of the link emulator (bench/link/emulator.ts drives it).
 *
 * It creates one TUN device in each of two network namespaces and forwards every IP packet read from
 * one to the other through an emulated link, per direction: random or Gilbert-Elliott loss, a rate
 * limit with a tail-drop queue of a given byte size, then a one-way delay with optional jitter.
 * The kernel has no netem here, hence this program; it is C because Node.js cannot open a TUN device
 * (no ioctl) and because its timers cannot hold a delay to well under a millisecond at 100 Mbit/s.
 *
 * Control: a unix stream socket that takes one line per connection and answers one line:
 *   status                       -> JSON with the parameters and counters of both directions
 *   reset                        -> zero the counters
 *   set a2b|b2a|both KEY=VALUE.. -> change parameters (applies to packets arriving afterwards)
 * Keys: delay_us, jitter_us, loss (fraction), ge=p,r,loss_bad,loss_good (ge=0 turns it off),
 *       rate_bps (0 = unlimited), queue_bytes (0 = unlimited), seed.
 *
 * Usage: kcpbench-forwarder NETNS_PATH_A NETNS_PATH_B TUN_NAME CONTROL_SOCKET_PATH
 * Prints "ready" on stdout once both devices exist. SIGTERM/SIGINT end it; the devices vanish with it.
 *        kcpbench-forwarder timer-check SECONDS
 * Sleeps 100 us at a time, scheduled as the forwarder is, and prints how late it woke up as JSON:
 * the machine's own timer floor, which no forwarder on it can beat.
 *
 * One thread per direction, real-time scheduled: writing a packet into a TUN device runs the
 * receiving stack inline, so a burst of data must not hold back the ACKs going the other way.
 * The main thread only serves the control socket; it hands new parameters to a direction thread
 * under its mutex and wakes it through an eventfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define RING_SLOTS 32768u /* per direction: > 1 Gbit/s x 300 ms of 1500-byte packets in flight */
#define SLOT_BYTES 2048u  /* the TUN MTU is 1500; anything larger is counted as oversize */
#define READ_BATCH 256    /* packets read per direction before due packets get written again */
#define LATE_NS 1000000ull /* a packet written more than 1 ms after its due time counts as late */
#define HIST_BUCKET_NS 10000ull /* lateness histogram: 10 us buckets ... */
#define HIST_BUCKETS 2000u      /* ... up to 20 ms; the last bucket takes everything above */
#define CTL_LINE_MAX 1024
#define RT_PRIORITY 20
#define APPLY_WAIT_NS 2000000000ull /* how long the control thread waits for a direction to take a change */

struct params {
  uint64_t delay_ns;
  uint64_t jitter_ns;
  double loss;
  int ge_on;
  double ge_p, ge_r, ge_loss_bad, ge_loss_good;
  uint64_t rate_bps;
  uint64_t queue_bytes;
};

struct counters {
  uint64_t in_pkts, in_bytes, out_pkts, out_bytes;
  uint64_t drop_loss_pkts, drop_loss_bytes, drop_queue_pkts, drop_queue_bytes, drop_ring_pkts;
  uint64_t oversize_pkts, write_errors;
  uint64_t late_pkts, late_max_ns, lateness_sum_ns, max_backlog_bytes;
  uint64_t hist[HIST_BUCKETS];
};

struct slot {
  uint64_t due_ns;
  uint32_t len;
  uint8_t data[SLOT_BYTES];
};

struct direction {
  const char *name;
  int in_fd, out_fd;
  struct slot *ring;
  uint32_t head, tail; /* free-running; count = tail - head */
  struct params p;
  uint64_t link_free_ns; /* when the rate-limited link has serialised everything queued so far */
  uint64_t last_due_ns;  /* jitter never reorders: due times are kept non-decreasing */
  int ge_bad;
  uint64_t rng;
  struct counters c;
  uint8_t scratch[SLOT_BYTES]; /* where a packet goes when the ring is full */

  /* control thread -> direction thread */
  int wake_fd;
  pthread_mutex_t lock;
  struct params pending;       /* the latest configuration; guarded by lock */
  uint64_t pending_seed;       /* 0: keep the generator as it is */
  int reset_pending;
  uint64_t requested;          /* changes asked for; guarded by lock */
  uint64_t applied;            /* changes taken; written by the direction thread under lock */
};

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "kcpbench-forwarder: %s: %s\n", what, strerror(errno));
  exit(1);
}

/* xorshift64*: fast, seedable, good enough for loss and jitter decisions */
static double next_unit(struct direction *d) {
  d->rng ^= d->rng >> 12;
  d->rng ^= d->rng << 25;
  d->rng ^= d->rng >> 27;
  return (double)((d->rng * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}

static int open_tun_in(const char *netns_path, const char *name) {
  int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  int target = open(netns_path, O_RDONLY | O_CLOEXEC);
  if (home < 0 || target < 0) die("open netns");
  if (setns(target, CLONE_NEWNET) != 0) die("setns");
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) die("open /dev/net/tun");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) != 0) die("TUNSETIFF");
  if (setns(home, CLONE_NEWNET) != 0) die("setns back");
  close(home);
  close(target);
  return fd;
}

static int is_lost(struct direction *d) {
  if (!d->p.ge_on) return d->p.loss > 0 && next_unit(d) < d->p.loss;
  /* Gilbert-Elliott: move between the good and bad state, then lose with that state's probability */
  if (d->ge_bad) {
    if (next_unit(d) < d->p.ge_r) d->ge_bad = 0;
  } else if (next_unit(d) < d->p.ge_p) {
    d->ge_bad = 1;
  }
  double loss = d->ge_bad ? d->p.ge_loss_bad : d->p.ge_loss_good;
  return loss > 0 && next_unit(d) < loss;
}

/* Decide the fate of the packet just read into ring[tail]; keep it by advancing tail. */
static void admit(struct direction *d, uint32_t len, uint64_t now) {
  d->c.in_pkts++;
  d->c.in_bytes += len;
  if (is_lost(d)) {
    d->c.drop_loss_pkts++;
    d->c.drop_loss_bytes += len;
    return;
  }
  uint64_t departure = now;
  if (d->p.rate_bps > 0) {
    uint64_t backlog = d->link_free_ns > now
                           ? (uint64_t)((double)(d->link_free_ns - now) * (double)d->p.rate_bps / 8e9)
                           : 0;
    if (d->p.queue_bytes > 0 && backlog + len > d->p.queue_bytes) {
      d->c.drop_queue_pkts++;
      d->c.drop_queue_bytes += len;
      return;
    }
    if (backlog + len > d->c.max_backlog_bytes) d->c.max_backlog_bytes = backlog + len;
    uint64_t start = d->link_free_ns > now ? d->link_free_ns : now;
    d->link_free_ns = start + (uint64_t)len * 8000000000ull / d->p.rate_bps;
    departure = d->link_free_ns;
  }
  uint64_t due = departure + d->p.delay_ns;
  if (d->p.jitter_ns > 0) {
    double offset = (next_unit(d) * 2.0 - 1.0) * (double)d->p.jitter_ns;
    due = offset < 0 && (uint64_t)(-offset) > due - departure ? departure : (uint64_t)((double)due + offset);
  }
  if (due < d->last_due_ns) due = d->last_due_ns;
  d->last_due_ns = due;
  struct slot *s = &d->ring[d->tail % RING_SLOTS];
  s->due_ns = due;
  s->len = len;
  d->tail++;
}

static void ingest(struct direction *d) {
  for (int i = 0; i < READ_BATCH; i++) {
    int full = d->tail - d->head >= RING_SLOTS;
    uint8_t *buf = full ? d->scratch : d->ring[d->tail % RING_SLOTS].data;
    ssize_t n = read(d->in_fd, buf, SLOT_BYTES);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      die("read tun");
    }
    if (n == 0) return;
    if ((size_t)n >= SLOT_BYTES) {
      d->c.oversize_pkts++;
      continue;
    }
    if (full) {
      d->c.in_pkts++;
      d->c.in_bytes += (uint64_t)n;
      d->c.drop_ring_pkts++;
      continue;
    }
    admit(d, (uint32_t)n, now_ns());
  }
}

static void deliver(struct direction *d) {
  while (d->tail != d->head) {
    struct slot *s = &d->ring[d->head % RING_SLOTS];
    uint64_t now = now_ns();
    if (s->due_ns > now) return;
    if (write(d->out_fd, s->data, s->len) != (ssize_t)s->len) d->c.write_errors++;
    d->head++;
    uint64_t late = now - s->due_ns;
    d->c.out_pkts++;
    d->c.out_bytes += s->len;
    d->c.lateness_sum_ns += late;
    if (late > d->c.late_max_ns) d->c.late_max_ns = late;
    if (late > LATE_NS) d->c.late_pkts++;
    uint64_t bucket = late / HIST_BUCKET_NS;
    d->c.hist[bucket < HIST_BUCKETS ? bucket : HIST_BUCKETS - 1]++;
  }
}

static int set_param(struct params *p, uint64_t *seed, const char *key, const char *value) {
  char *end = NULL;
  if (strcmp(key, "delay_us") == 0) {
    p->delay_ns = strtoull(value, &end, 10) * 1000ull;
  } else if (strcmp(key, "jitter_us") == 0) {
    p->jitter_ns = strtoull(value, &end, 10) * 1000ull;
  } else if (strcmp(key, "loss") == 0) {
    p->loss = strtod(value, &end);
    if (p->loss < 0 || p->loss > 1) return -1;
  } else if (strcmp(key, "rate_bps") == 0) {
    p->rate_bps = strtoull(value, &end, 10);
  } else if (strcmp(key, "queue_bytes") == 0) {
    p->queue_bytes = strtoull(value, &end, 10);
  } else if (strcmp(key, "seed") == 0) {
    *seed = strtoull(value, &end, 10);
  } else if (strcmp(key, "ge") == 0) {
    if (strcmp(value, "0") == 0) {
      p->ge_on = 0;
      return 0;
    }
    if (sscanf(value, "%lf,%lf,%lf,%lf", &p->ge_p, &p->ge_r, &p->ge_loss_bad, &p->ge_loss_good) != 4) return -1;
    p->ge_on = 1;
    return 0;
  } else {
    return -1;
  }
  return end != NULL && *end == '\0' ? 0 : -1;
}

/* Wait until the direction thread has taken every change asked of it so far. */
static int wait_applied(struct direction *d) {
  uint64_t deadline = now_ns() + APPLY_WAIT_NS;
  for (;;) {
    pthread_mutex_lock(&d->lock);
    int done = d->applied == d->requested;
    pthread_mutex_unlock(&d->lock);
    if (done) return 0;
    if (now_ns() > deadline) return -1;
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 100000};
    nanosleep(&pause, NULL);
  }
}

static void request_change(struct direction *d, const struct params *p, uint64_t seed, int reset) {
  pthread_mutex_lock(&d->lock);
  if (p != NULL) d->pending = *p;
  if (seed != 0) d->pending_seed = seed;
  if (reset) d->reset_pending = 1;
  d->requested++;
  pthread_mutex_unlock(&d->lock);
  uint64_t one = 1;
  ssize_t ignored = write(d->wake_fd, &one, sizeof one);
  (void)ignored;
}

/* "set a2b|b2a|both key=value ..." -> 0, or -1 leaving both directions as they were */
static int apply_set(struct direction dirs[2], char *args) {
  char *save = NULL;
  char *which = strtok_r(args, " ", &save);
  if (which == NULL) return -1;
  if (strcmp(which, "a2b") != 0 && strcmp(which, "b2a") != 0 && strcmp(which, "both") != 0) return -1;
  int first = strcmp(which, "b2a") == 0 ? 1 : 0;
  int last = strcmp(which, "a2b") == 0 ? 0 : 1;
  struct params next[2];
  for (int i = 0; i < 2; i++) {
    pthread_mutex_lock(&dirs[i].lock);
    next[i] = dirs[i].pending;
    pthread_mutex_unlock(&dirs[i].lock);
  }
  uint64_t seed = 0;
  for (char *kv = strtok_r(NULL, " ", &save); kv != NULL; kv = strtok_r(NULL, " ", &save)) {
    char *eq = strchr(kv, '=');
    if (eq == NULL) return -1;
    *eq = '\0';
    for (int i = first; i <= last; i++)
      if (set_param(&next[i], &seed, kv, eq + 1) != 0) return -1;
  }
  for (int i = first; i <= last; i++) request_change(&dirs[i], &next[i], seed == 0 ? 0 : seed * 2 + (uint64_t)i + 1, 0);
  for (int i = first; i <= last; i++)
    if (wait_applied(&dirs[i]) != 0) return -1;
  return 0;
}

static int append(char *out, size_t cap, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int append(char *out, size_t cap, size_t *len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out + *len, cap - *len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= cap - *len) return -1;
  *len += (size_t)n;
  return 0;
}

static void direction_json(const struct direction *d, char *out, size_t cap, size_t *len) {
  const struct params *p = &d->p;
  const struct counters *c = &d->c;
  append(out, cap, len,
         "\"%s\":{\"delay_us\":%llu,\"jitter_us\":%llu,\"loss\":%.6f,\"ge\":%s,\"ge_p\":%.6f,\"ge_r\":%.6f,"
         "\"ge_loss_bad\":%.6f,\"ge_loss_good\":%.6f,\"rate_bps\":%llu,\"queue_bytes\":%llu,",
         d->name, (unsigned long long)(p->delay_ns / 1000), (unsigned long long)(p->jitter_ns / 1000), p->loss,
         p->ge_on ? "true" : "false", p->ge_p, p->ge_r, p->ge_loss_bad, p->ge_loss_good,
         (unsigned long long)p->rate_bps, (unsigned long long)p->queue_bytes);
  append(out, cap, len,
         "\"in_pkts\":%llu,\"in_bytes\":%llu,\"out_pkts\":%llu,\"out_bytes\":%llu,\"drop_loss_pkts\":%llu,"
         "\"drop_loss_bytes\":%llu,\"drop_queue_pkts\":%llu,\"drop_queue_bytes\":%llu,\"drop_ring_pkts\":%llu,"
         "\"oversize_pkts\":%llu,\"write_errors\":%llu,\"late_pkts\":%llu,\"late_max_us\":%.1f,"
         "\"lateness_sum_us\":%.1f,\"max_backlog_bytes\":%llu,\"queued_pkts\":%u,\"lateness_hist_10us\":[",
         (unsigned long long)c->in_pkts, (unsigned long long)c->in_bytes, (unsigned long long)c->out_pkts,
         (unsigned long long)c->out_bytes, (unsigned long long)c->drop_loss_pkts,
         (unsigned long long)c->drop_loss_bytes, (unsigned long long)c->drop_queue_pkts,
         (unsigned long long)c->drop_queue_bytes, (unsigned long long)c->drop_ring_pkts,
         (unsigned long long)c->oversize_pkts, (unsigned long long)c->write_errors,
         (unsigned long long)c->late_pkts, (double)c->late_max_ns / 1000.0, (double)c->lateness_sum_ns / 1000.0,
         (unsigned long long)c->max_backlog_bytes, d->tail - d->head);
  int first = 1;
  for (unsigned i = 0; i < HIST_BUCKETS; i++) {
    if (c->hist[i] == 0) continue;
    append(out, cap, len, "%s[%u,%llu]", first ? "" : ",", i, (unsigned long long)c->hist[i]);
    first = 0;
  }
  append(out, cap, len, "]}");
}

static void handle_command(struct direction dirs[2], char *line, int fd, uint64_t started_ns) {
  static char out[65536];
  size_t len = 0;
  if (strcmp(line, "status") == 0) {
    append(out, sizeof out, &len, "{\"pid\":%d,\"uptime_ms\":%llu,", (int)getpid(),
           (unsigned long long)((now_ns() - started_ns) / 1000000ull));
    direction_json(&dirs[0], out, sizeof out, &len);
    append(out, sizeof out, &len, ",");
    direction_json(&dirs[1], out, sizeof out, &len);
    append(out, sizeof out, &len, "}\n");
  } else if (strcmp(line, "reset") == 0) {
    request_change(&dirs[0], NULL, 0, 1);
    request_change(&dirs[1], NULL, 0, 1);
    int ok = wait_applied(&dirs[0]) == 0 && wait_applied(&dirs[1]) == 0;
    append(out, sizeof out, &len, ok ? "ok\n" : "error a direction did not answer\n");
  } else if (strncmp(line, "set ", 4) == 0) {
    append(out, sizeof out, &len, apply_set(dirs, line + 4) == 0 ? "ok\n" : "error bad set command\n");
  } else {
    append(out, sizeof out, &len, "error unknown command\n");
  }
  /* The answer is small; a blocking write of it keeps the loop simple and costs microseconds. */
  int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  ssize_t ignored = write(fd, out, len);
  (void)ignored;
}

static int listen_control(const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    die("control path");
  }
  strcpy(addr.sun_path, path);
  unlink(path);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) die("bind control");
  if (listen(fd, 8) != 0) die("listen control");
  return fd;
}

static void init_direction(struct direction *d, const char *name, int in_fd, int out_fd, uint64_t seed) {
  memset(d, 0, sizeof *d);
  d->name = name;
  d->in_fd = in_fd;
  d->out_fd = out_fd;
  d->rng = seed;
  d->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (d->wake_fd < 0) die("eventfd");
  pthread_mutex_init(&d->lock, NULL);
  /* touch every page now so that no page fault lands in the middle of a measurement */
  d->ring = calloc(RING_SLOTS, sizeof(struct slot));
  if (d->ring == NULL) die("calloc ring");
  memset(d->ring, 0, RING_SLOTS * sizeof(struct slot));
}

/* Take what the control thread asked for: new parameters, a new seed, zeroed counters. */
static void take_changes(struct direction *d) {
  uint64_t drained;
  ssize_t ignored = read(d->wake_fd, &drained, sizeof drained);
  (void)ignored;
  pthread_mutex_lock(&d->lock);
  if (d->applied != d->requested) {
    d->p = d->pending;
    d->ge_bad = 0;
    if (d->pending_seed != 0) d->rng = d->pending_seed;
    d->pending_seed = 0;
    if (d->reset_pending) memset(&d->c, 0, sizeof d->c);
    d->reset_pending = 0;
    d->applied = d->requested;
  }
  pthread_mutex_unlock(&d->lock);
}

static void *run_direction(void *arg) {
  struct direction *d = arg;
  while (!stop_requested) {
    deliver(d);
    struct timespec timeout;
    struct timespec *wait = NULL;
    if (d->tail != d->head) {
      uint64_t due = d->ring[d->head % RING_SLOTS].due_ns;
      uint64_t now = now_ns();
      uint64_t left = due > now ? due - now : 0;
      timeout.tv_sec = (time_t)(left / 1000000000ull);
      timeout.tv_nsec = (long)(left % 1000000000ull);
      wait = &timeout;
    }
    struct pollfd fds[2] = {{.fd = d->in_fd, .events = POLLIN}, {.fd = d->wake_fd, .events = POLLIN}};
    int n = ppoll(fds, 2, wait, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("ppoll");
    }
    if (fds[1].revents & POLLIN) take_changes(d);
    if (fds[0].revents & POLLIN) ingest(d);
  }
  return NULL;
}

static void realtime_self(void) {
  /* hrtimer wake-ups without the default 50 us slack, and ahead of the benchmark's own processes */
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  struct sched_param sp = {.sched_priority = RT_PRIORITY};
  if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
    fprintf(stderr, "kcpbench-forwarder: no SCHED_FIFO (%s), timing will be looser\n", strerror(errno));
}

static int timer_check(unsigned seconds) {
  realtime_self();
  const uint64_t nap_ns = 100000;
  uint64_t end = now_ns() + (uint64_t)seconds * 1000000000ull;
  uint64_t wakeups = 0, late = 0, max = 0, sum = 0;
  while (now_ns() < end) {
    struct timespec nap = {.tv_sec = 0, .tv_nsec = (long)nap_ns};
    uint64_t due = now_ns() + nap_ns;
    ppoll(NULL, 0, &nap, NULL);
    uint64_t over = now_ns() - due;
    wakeups++;
    sum += over;
    if (over > max) max = over;
    if (over > LATE_NS) late++;
  }
  printf("{\"wakeups\":%llu,\"mean_us\":%.1f,\"max_us\":%.1f,\"late\":%llu}\n", (unsigned long long)wakeups,
         wakeups > 0 ? (double)sum / (double)wakeups / 1000.0 : 0.0, (double)max / 1000.0, (unsigned long long)late);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "timer-check") == 0) return timer_check((unsigned)atoi(argv[2]));
  if (argc != 5) {
    fprintf(stderr, "usage: %s NETNS_PATH_A NETNS_PATH_B TUN_NAME CONTROL_SOCKET_PATH\n", argv[0]);
    return 2;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  realtime_self();
  int tun_a = open_tun_in(argv[1], argv[3]);
  int tun_b = open_tun_in(argv[2], argv[3]);
  int ctl = listen_control(argv[4]);
  struct direction dirs[2];
  init_direction(&dirs[0], "a2b", tun_a, tun_b, 0x9e3779b97f4a7c15ull);
  init_direction(&dirs[1], "b2a", tun_b, tun_a, 0xd1b54a32d192ed03ull);
  uint64_t started = now_ns();

  /* the direction threads leave SIGTERM/SIGINT to this one, whose ppoll they interrupt */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  pthread_t threads[2];
  for (int i = 0; i < 2; i++)
    if (pthread_create(&threads[i], NULL, run_direction, &dirs[i]) != 0) die("pthread_create");
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  printf("ready\n");
  fflush(stdout);

  int client = -1;
  char line[CTL_LINE_MAX];
  size_t line_len = 0;
  while (!stop_requested) {
    struct pollfd fds[2] = {{.fd = ctl, .events = POLLIN}, {.fd = client, .events = POLLIN}};
    int n = ppoll(fds, client >= 0 ? 2 : 1, NULL, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("ppoll");
    }
    if (client < 0 && (fds[0].revents & POLLIN)) {
      client = accept4(ctl, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      line_len = 0;
    } else if (client >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t got = read(client, line + line_len, sizeof line - 1 - line_len);
      if (got > 0) line_len += (size_t)got;
      char *nl = memchr(line, '\n', line_len);
      if (nl != NULL) {
        *nl = '\0';
        handle_command(dirs, line, client, started);
      }
      int gone = got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR);
      if (nl != NULL || gone || line_len == sizeof line - 1) {
        close(client);
        client = -1;
      }
    }
  }
  for (int i = 0; i < 2; i++) {
    uint64_t one = 1;
    ssize_t ignored = write(dirs[i].wake_fd, &one, sizeof one);
    (void)ignored;
    pthread_join(threads[i], NULL);
  }
  unlink(argv[4]);
  return 0;
}
