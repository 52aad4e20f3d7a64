/* The thread pool behind strata_parallel_for.
 *
 * Design: one persistent set of worker threads, created lazily and resized lazily. A job is
 * published under `lock` by bumping `generation`; workers and the caller then claim task
 * indices from an atomic counter, so load balancing is dynamic and each index is claimed
 * exactly once. A worker *joins* a job (under `lock`) before it claims anything. When the
 * caller has no task left to claim it *closes* the job, so no worker joins any more, and
 * waits only for the workers that joined; a worker that wakes up late finds the job closed
 * and goes back to waiting. So a kernel never waits for a sleeping thread's wake-up: at most
 * it runs without that thread's help. Both sides poll before they sleep: workers spin on
 * `generation` for a while after each job, so a model's back-to-back parallel kernels find
 * them awake, and the caller polls `joined`, since the workers it waits for are running (a
 * futex wake-up costs 50-200 us on a loaded VM, more than many kernels take).
 * Whole jobs are serialized by `job_lock`, which is what makes concurrent callers from
 * several host threads safe; tasks themselves run in parallel. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime_internal.h"

/* More threads than this is certainly a misconfiguration (e.g. STRATA_NUM_THREADS=1e9). */
#define STRATA_RT_MAX_THREADS 1024

typedef struct strata_rt_pool {
  pthread_mutex_t job_lock; /* held by a caller for its whole job */
  pthread_mutex_t lock;     /* protects everything below except the atomics */
  pthread_cond_t wake;      /* signals workers: new job or shutdown */
  pthread_cond_t idle;      /* signals the caller: the last busy worker left the job */
  pthread_t *workers;
  int num_workers;
  atomic_int shutdown;
  /* Bumped (under lock) once per job; workers compare it with the last one they saw, and
   * read it without the lock while they spin. */
  _Atomic uint64_t generation;
  atomic_int joined; /* workers inside the current job (changed under lock, polled without) */
  int closed; /* the current job takes no more workers */
  /* The current job. */
  strata_task_fn body;
  void *closure;
  int64_t num_tasks;
  atomic_llong next_task; /* 64-bit: every thread overshoots by one when the job drains */
  atomic_int failed;      /* set by the first failure; stops further claims */
  int64_t error_task;     /* lowest failing task index, or -1 */
  int error_status;
  char error_message[1024]; /* that task's strata_last_error(), copied from its thread */
} strata_rt_pool;

static strata_rt_pool pool = {
    .job_lock = PTHREAD_MUTEX_INITIALIZER,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .idle = PTHREAD_COND_INITIALIZER,
    .closed = 1,
};

/* 0 means "use the default". Atomic so strata_set_num_threads never needs a lock and can
 * be called from anywhere, including from inside a task. */
static atomic_int requested_threads;

/* Non-zero while this thread runs tasks of a parallel loop (worker threads: always). A
 * parallel_for issued from such a thread runs serially: the pool is busy with the outer
 * loop, and taking job_lock again would deadlock. */
static _Thread_local int in_task;

/* Claims and runs tasks of the current job until none are left or one has failed. */
static void run_tasks(void) {
  for (;;) {
    if (atomic_load_explicit(&pool.failed, memory_order_relaxed)) return;
    int64_t task = atomic_fetch_add(&pool.next_task, 1);
    if (task >= pool.num_tasks) return;
    strata_clear_error(); /* so a failing task that sets no message leaves none stale */
    int status = pool.body((int32_t)task, pool.closure);
    if (status != 0) {
      pthread_mutex_lock(&pool.lock);
      if (pool.error_task < 0 || task < pool.error_task) {
        pool.error_task = task;
        pool.error_status = status;
        strncpy(pool.error_message, strata_last_error(), sizeof pool.error_message - 1);
        pool.error_message[sizeof pool.error_message - 1] = '\0';
      }
      pthread_mutex_unlock(&pool.lock);
      atomic_store(&pool.failed, 1);
    }
  }
}

/* How long a worker polls for the next job before it sleeps. */
#define STRATA_RT_SPIN_NS 300000

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Polls until a job newer than `seen` is published or shutdown, for at most the spin time. */
static void spin_for_job(uint64_t seen) {
  uint64_t deadline = now_ns() + STRATA_RT_SPIN_NS;
  for (unsigned i = 1;; ++i) {
    if (atomic_load_explicit(&pool.generation, memory_order_acquire) != seen ||
        atomic_load_explicit(&pool.shutdown, memory_order_relaxed))
      return;
    cpu_relax();
    if (i % 64 == 0 && now_ns() > deadline)
      return;
  }
}

/* Polls until the workers that joined the closed job have left it, for at most the spin time
 * (a task may be long; the caller then sleeps on `idle`). */
static void wait_for_joined(void) {
  uint64_t deadline = now_ns() + STRATA_RT_SPIN_NS;
  for (unsigned i = 1; atomic_load_explicit(&pool.joined, memory_order_acquire) > 0; ++i) {
    cpu_relax();
    if (i % 64 == 0 && now_ns() > deadline)
      return;
  }
}

static void *worker_main(void *arg) {
  uint64_t seen = (uint64_t)(uintptr_t)arg; /* the generation current when we were created */
  in_task = 1;
  for (;;) {
    spin_for_job(seen);
    pthread_mutex_lock(&pool.lock);
    while (!pool.shutdown && pool.generation == seen) pthread_cond_wait(&pool.wake, &pool.lock);
    if (pool.shutdown) {
      pthread_mutex_unlock(&pool.lock);
      return NULL;
    }
    seen = pool.generation;
    if (pool.closed) { /* woke up after the job was done without us */
      pthread_mutex_unlock(&pool.lock);
      continue;
    }
    pool.joined++;
    pthread_mutex_unlock(&pool.lock);
    run_tasks();
    pthread_mutex_lock(&pool.lock);
    if (atomic_fetch_sub(&pool.joined, 1) == 1 && pool.closed) pthread_cond_signal(&pool.idle);
    pthread_mutex_unlock(&pool.lock);
  }
}

/* Stops and joins all workers. Called with job_lock held, so no job is running. */
static void stop_workers(void) {
  pthread_mutex_lock(&pool.lock);
  pool.shutdown = 1;
  pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);
  for (int i = 0; i < pool.num_workers; ++i) pthread_join(pool.workers[i], NULL);
  free(pool.workers);
  pool.workers = NULL;
  pool.num_workers = 0;
  pool.shutdown = 0;
}

/* In a child process after fork() only the forking thread exists: the workers are gone and
 * the locks may be held by threads that no longer exist. Start over with an empty pool (the
 * next parallel loop creates workers again), so a forked child (e.g. the autotuner's
 * measurement process) can run parallel kernels. */
static void reset_pool_in_child(void) {
  pthread_mutex_init(&pool.job_lock, NULL);
  pthread_mutex_init(&pool.lock, NULL);
  pthread_cond_init(&pool.wake, NULL);
  pthread_cond_init(&pool.idle, NULL);
  free(pool.workers);
  pool.workers = NULL;
  pool.num_workers = 0;
  pool.shutdown = 0;
  pool.joined = 0;
  pool.closed = 1;
}

/* Makes the pool have `wanted` workers. Called with job_lock held. If threads cannot be
 * created the pool keeps the ones it has: fewer threads is slower, never wrong. */
static void resize_workers(int wanted) {
  if (pool.num_workers == wanted) return;
  static int atfork_registered; /* only touched with job_lock held */
  if (!atfork_registered) {
    pthread_atfork(NULL, NULL, reset_pool_in_child);
    atfork_registered = 1;
  }
  stop_workers();
  pool.workers = (pthread_t *)calloc((size_t)wanted, sizeof(pthread_t));
  if (!pool.workers) return;
  for (int i = 0; i < wanted; ++i) {
    void *start_generation = (void *)(uintptr_t)pool.generation;
    if (pthread_create(&pool.workers[i], NULL, worker_main, start_generation) != 0) break;
    pool.num_workers = i + 1;
  }
}

static int default_num_threads(void) {
  const char *env = getenv("STRATA_NUM_THREADS");
  if (env && *env) {
    long n = strtol(env, NULL, 10);
    if (n > 0) return n > STRATA_RT_MAX_THREADS ? STRATA_RT_MAX_THREADS : (int)n;
  }
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  if (cores < 1) return 1;
  return cores > STRATA_RT_MAX_THREADS ? STRATA_RT_MAX_THREADS : (int)cores;
}

STRATA_RT_WEAK int strata_get_num_threads(void) {
  int n = atomic_load(&requested_threads);
  return n > 0 ? n : default_num_threads();
}

STRATA_RT_WEAK int strata_set_num_threads(int n) {
  if (n > STRATA_RT_MAX_THREADS) n = STRATA_RT_MAX_THREADS;
  int previous = atomic_exchange(&requested_threads, n > 0 ? n : 0);
  return previous > 0 ? previous : default_num_threads();
}

static int run_serially(strata_task_fn body, void *closure, int32_t num_tasks) {
  for (int32_t task = 0; task < num_tasks; ++task) {
    int status = body(task, closure);
    if (status != 0) return status;
  }
  return 0;
}

STRATA_RT_WEAK int strata_parallel_for(strata_task_fn body, void *closure, int32_t num_tasks) {
  if (num_tasks <= 0) return 0;
  if (!body) return strata_set_error(STRATA_ERROR_INVALID_ARGUMENT, "strata_parallel_for: null body");
  int threads = strata_get_num_threads();
  if (in_task || num_tasks == 1 || threads <= 1) return run_serially(body, closure, num_tasks);

  pthread_mutex_lock(&pool.job_lock);
  resize_workers(threads - 1);
  if (pool.num_workers == 0) {
    pthread_mutex_unlock(&pool.job_lock);
    return run_serially(body, closure, num_tasks);
  }

  pthread_mutex_lock(&pool.lock);
  pool.body = body;
  pool.closure = closure;
  pool.num_tasks = num_tasks;
  atomic_store(&pool.next_task, 0);
  atomic_store(&pool.failed, 0);
  pool.error_task = -1;
  pool.error_status = 0;
  pool.joined = 0;
  pool.closed = 0;
  atomic_fetch_add_explicit(&pool.generation, 1, memory_order_release);
  pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);

  in_task = 1;
  run_tasks();
  in_task = 0;

  /* Every task is claimed; the ones workers claimed finish before their workers leave. They are
   * running, so poll for them first: sleeping on `idle` would add a futex wake-up (50-200 us
   * on a VM) to every parallel kernel, more than a small kernel takes. */
  pthread_mutex_lock(&pool.lock);
  pool.closed = 1;
  pthread_mutex_unlock(&pool.lock);
  wait_for_joined();
  pthread_mutex_lock(&pool.lock);
  while (atomic_load(&pool.joined) > 0) pthread_cond_wait(&pool.idle, &pool.lock);
  int status = pool.error_status;
  if (status != 0) {
    /* Hand the failing task's message to the caller's thread, where it will be read. */
    if (pool.error_message[0])
      strata_set_error(status, "%s", pool.error_message);
    else
      strata_set_error(status, "parallel task %lld failed: %s", (long long)pool.error_task,
                       strata_status_string(status));
  }
  pthread_mutex_unlock(&pool.lock);
  pthread_mutex_unlock(&pool.job_lock);
  return status;
}
