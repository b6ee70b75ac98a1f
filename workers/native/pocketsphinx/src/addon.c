/*
 * Node-API binding for pocketsphinx 5prealpha (the cmd_ln_init / ps_init API).
 *
 * JavaScript surface:
 *   Decoder.create({ hmm, lm, dict, sampleRate? }) -> Promise<Decoder>
 *   decoder.startUtt()                  -> void
 *   decoder.processRaw(Int16Array)      -> Promise<number>  (frames searched)
 *   decoder.partial()                   -> string
 *   decoder.endUtt()                    -> Promise<string>  (final hypothesis)
 *   decoder.rescore()                   -> Promise<{ text, segments }>  (what the final would
 *                                          be if the utterance ended now: the lattice so far,
 *                                          best path rescored as endUtt does; the utterance
 *                                          stays open)
 *   decoder.segments()                  -> { word, startFrame, endFrame }[]  (words of the
 *                                          current partial or, after endUtt, the final
 *                                          hypothesis, fillers included; 100 frames a second)
 *   decoder.free()                      -> void             (idempotent)
 *   decoder.busy / decoder.freed        -> boolean
 *   decoder.canRescore                  -> boolean  (the addon was built with pocketsphinx's
 *                                          internal headers, which rescore() needs)
 *
 * Model loading, processRaw, endUtt and rescore run on the libuv thread pool because each can take
 * hundreds of milliseconds and would otherwise stall every socket in the process.
 * startUtt and partial stay synchronous: they only reset or walk the current search state.
 *
 * Error contract: malformed arguments throw TypeError synchronously. State errors (busy,
 * freed, no utterance) reject the returned promise for async methods and throw for sync
 * ones. Every state error carries a stable `code` so callers can branch without parsing text.
 *
 * pocketsphinx is not thread-safe per decoder, so at most one call may touch a decoder at a
 * time; `busy` is only read and written on the JS thread, which makes it a sufficient guard.
 * free() during a call is allowed: the call settles normally and the decoder is released
 * when it returns.
 *
 * Caveat: pocketsphinx calls exit() on some malformed model files. The load path screens out
 * missing files and non-model mdef files, but a model corrupted deeper inside can still end
 * the process.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <node_api.h>
#include <pocketsphinx.h>
#include <sphinxbase/cmd_ln.h>
#include <sphinxbase/err.h>

#ifdef PARLEY_PS_INTERNAL
/* The library's own source headers (internal-headers.mjs): rescore() reads the search state. */
#include "ngram_search.h"
#include "pocketsphinx_internal.h"
#include "ps_lattice_internal.h"
#endif

#define ERROR_TEXT_MAX 512

/* Distinguishes our wrapped objects from any other addon's, so a method borrowed onto a
 * foreign object cannot reinterpret that object's native pointer as a decoder. */
static const napi_type_tag DECODER_TYPE_TAG = {0x7a1f0c3d52e94b18ULL, 0x9c04e6b1d3a85f27ULL};

typedef struct {
  ps_decoder_t *ps;
  const char *busy;  /* name of the call in flight, NULL when idle */
  int in_utterance;
  int can_rescore;   /* built with the internal headers, and their layout matches the library */
  int freed;         /* free() called or finalised; no further calls accepted */
  int free_pending;  /* release ps once the in-flight call completes */
  int finalized;     /* JS object collected while busy; struct released by the completion */
} Decoder;

typedef struct {
  napi_ref constructor;
  /* Hands a loaded decoder to the constructor: a JS constructor cannot receive a raw
   * pointer, and an external argument would let user code forge one. */
  Decoder *pending;
} AddonState;

typedef enum { OP_LOAD, OP_PROCESS, OP_END, OP_RESCORE } OpKind;

/* One word (or filler) of a rescored hypothesis, in 10 ms frames. */
typedef struct {
  char *word;
  int start_frame;
  int end_frame;
} Segment;

/* Only search-tuning flags may be set from JS: paths and log options stay under this file's control. */
static const char *const SEARCH_FLAGS[] = {"-beam", "-wbeam", "-pbeam", "-lpbeam", "-lponlybeam", "-maxhmmpf",
                                           "-maxwpf", "-pl_window", "-fwdflat", "-bestpath", "-lw", "-wip",
                                           "-ds", "-topn", "-fwdflatbeam", "-fwdflatwbeam", NULL};
#define MAX_SEARCH_FLAGS 16

typedef struct {
  OpKind kind;
  napi_async_work work;
  napi_deferred deferred;
  napi_ref self; /* keeps the JS wrapper (and so the Decoder) alive while work runs */
  Decoder *dec;

  char *hmm;
  char *lm;
  char *dict;
  int sample_rate;
  /* Search tuning as flag/value pairs (options.search), already checked against SEARCH_FLAGS. */
  char *search_args[2 * MAX_SEARCH_FLAGS];
  int n_search_args;
  ps_decoder_t *loaded;

  int16 *samples;
  size_t n_samples;
  int frames;

  char *hyp;
  Segment *segments; /* OP_RESCORE */
  size_t n_segments;

  int failed;
  char error[ERROR_TEXT_MAX + 256];
} Op;

/* ---------- pocketsphinx log capture ---------- */

/* Each pool thread keeps the first ERROR it sees during one call, so a failed load can say
 * "Failed to open dictionary file ..." instead of a bare "load failed". */
static _Thread_local char captured_error[ERROR_TEXT_MAX];

static void capture_log(void *user_data, err_lvl_t level, const char *fmt, ...) {
  if (level < ERR_ERROR || captured_error[0] != '\0') return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(captured_error, sizeof captured_error, fmt, ap);
  va_end(ap);

  /* Drop the 'ERROR: "file.c", line 123: ' prefix; it means nothing to a user. */
  const char *text = captured_error;
  const char *line = strstr(text, "\", line ");
  if (line != NULL) {
    const char *colon = strstr(line, ": ");
    if (colon != NULL) text = colon + 2;
  }
  memmove(captured_error, text, strlen(text) + 1);
  size_t len = strlen(captured_error);
  while (len > 0 && (captured_error[len - 1] == '\n' || captured_error[len - 1] == ' ')) {
    captured_error[--len] = '\0';
  }
}

static void reset_captured_error(void) { captured_error[0] = '\0'; }

static void set_op_error(Op *op, const char *what) {
  op->failed = 1;
  if (captured_error[0] != '\0') {
    snprintf(op->error, sizeof op->error, "%s: %s", what, captured_error);
  } else {
    snprintf(op->error, sizeof op->error, "%s", what);
  }
}

/* ---------- small N-API helpers ---------- */

#define NAPI_CALL(env, call)                                                     \
  do {                                                                           \
    if ((call) != napi_ok) {                                                     \
      throw_last_napi_error(env);                                                \
      return NULL;                                                               \
    }                                                                            \
  } while (0)

static void throw_last_napi_error(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  const char *msg = (info != NULL && info->error_message != NULL) ? info->error_message
                                                                   : "unknown Node-API failure";
  napi_throw_error(env, "ERR_POCKETSPHINX_NAPI", msg);
}

static napi_value make_error(napi_env env, const char *code, const char *message) {
  napi_value code_value = NULL, message_value = NULL, error = NULL;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &message_value);
  napi_create_error(env, code_value, message_value, &error);
  return error;
}

static napi_value throw_state_error(napi_env env, const char *code, const char *message) {
  napi_throw(env, make_error(env, code, message));
  return NULL;
}

static napi_value rejected_promise(napi_env env, const char *code, const char *message) {
  napi_deferred deferred;
  napi_value promise;
  NAPI_CALL(env, napi_create_promise(env, &deferred, &promise));
  napi_reject_deferred(env, deferred, make_error(env, code, message));
  return promise;
}

static napi_value undefined_value(napi_env env) {
  napi_value u = NULL;
  napi_get_undefined(env, &u);
  return u;
}

/* Reads a required, non-empty string property; throws TypeError and returns NULL otherwise. */
static int is_search_flag(const char *flag) {
  for (int i = 0; SEARCH_FLAGS[i] != NULL; i++) {
    if (strcmp(SEARCH_FLAGS[i], flag) == 0) return 1;
  }
  return 0;
}

/* options.search: { "-maxhmmpf": "3000", ... }. Returns 0 and throws on anything else. */
static int read_search_option(napi_env env, napi_value options, Op *op) {
  napi_value search, keys;
  napi_valuetype type;
  char message[200];
  if (napi_get_named_property(env, options, "search", &search) != napi_ok) return throw_last_napi_error(env), 0;
  napi_typeof(env, search, &type);
  if (type == napi_undefined) return 1;
  uint32_t count = 0;
  if (type != napi_object || napi_get_property_names(env, search, &keys) != napi_ok ||
      napi_get_array_length(env, keys, &count) != napi_ok || count > MAX_SEARCH_FLAGS) {
    napi_throw_type_error(env, NULL,
                          "Decoder.create(options): options.search must be an object of at most 16 "
                          "pocketsphinx search flags and string values");
    return 0;
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value key, value;
    char flag[32], text[64];
    size_t flag_len = 0, text_len = 0;
    napi_valuetype value_type;
    napi_get_element(env, keys, i, &key);
    napi_get_value_string_utf8(env, key, flag, sizeof flag, &flag_len);
    napi_get_named_property(env, search, flag, &value);
    napi_typeof(env, value, &value_type);
    if (value_type == napi_string) napi_get_value_string_utf8(env, value, text, sizeof text, &text_len);
    if (!is_search_flag(flag) || value_type != napi_string || text_len == 0 || text_len >= sizeof text - 1) {
      snprintf(message, sizeof message,
               "Decoder.create(options): options.search[\"%s\"] is not an allowed search flag with a "
               "short string value",
               flag);
      napi_throw_type_error(env, NULL, message);
      return 0;
    }
    op->search_args[op->n_search_args++] = strdup(flag);
    op->search_args[op->n_search_args++] = strdup(text);
  }
  return 1;
}

static char *read_path_option(napi_env env, napi_value options, const char *key) {
  napi_value value;
  napi_valuetype type;
  char message[160];
  if (napi_get_named_property(env, options, key, &value) != napi_ok) {
    throw_last_napi_error(env);
    return NULL;
  }
  napi_typeof(env, value, &type);
  size_t len = 0;
  if (type == napi_string) napi_get_value_string_utf8(env, value, NULL, 0, &len);
  if (type != napi_string || len == 0) {
    snprintf(message, sizeof message,
             "Decoder.create(options): options.%s must be a non-empty path string", key);
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  char *out = malloc(len + 1);
  if (out == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, value, out, len + 1, &len);
  if (strlen(out) != len) {
    free(out);
    snprintf(message, sizeof message,
             "Decoder.create(options): options.%s must not contain NUL characters", key);
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  return out;
}

/* ---------- decoder lifetime ---------- */

static void release_ps(Decoder *dec) {
  if (dec->ps != NULL) {
    ps_free(dec->ps);
    dec->ps = NULL;
  }
}

static void finalize_decoder(napi_env env, void *data, void *hint) {
  Decoder *dec = data;
  dec->freed = 1;
  if (dec->busy != NULL) {
    /* A worker thread still holds dec->ps; the completion callback frees both. */
    dec->finalized = 1;
    return;
  }
  release_ps(dec);
  free(dec);
}

/* Fetches the Decoder behind `this`, throwing TypeError if `this` is not one of ours. */
static Decoder *unwrap_this(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv,
                            const char *method) {
  napi_value self;
  bool tagged = false;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) {
    throw_last_napi_error(env);
    return NULL;
  }
  napi_valuetype type;
  napi_typeof(env, self, &type);
  if (type == napi_object) napi_check_object_type_tag(env, self, &DECODER_TYPE_TAG, &tagged);
  if (!tagged || napi_unwrap(env, self, &data) != napi_ok || data == NULL) {
    char message[160];
    snprintf(message, sizeof message, "Decoder.%s called on an object that is not a Decoder",
             method);
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  return data;
}

/* Returns NULL when the decoder may be used, otherwise the code of the state error and
 * fills `message`. Shared by sync and async methods so both report identical text. */
static const char *check_usable(const Decoder *dec, const char *method, int need_utterance,
                                char *message, size_t size) {
  if (dec->freed) {
    snprintf(message, size, "Decoder.%s: the decoder has been freed", method);
    return "ERR_DECODER_FREED";
  }
  if (dec->busy != NULL) {
    snprintf(message, size,
             "Decoder.%s: %s() is still running on this decoder; wait for its promise first",
             method, dec->busy);
    return "ERR_DECODER_BUSY";
  }
  if (need_utterance && !dec->in_utterance) {
    snprintf(message, size, "Decoder.%s: no utterance in progress; call startUtt() first",
             method);
    return "ERR_NO_UTTERANCE";
  }
  return NULL;
}

/* ---------- async work ---------- */

static void op_free(napi_env env, Op *op) {
  if (op->work != NULL) napi_delete_async_work(env, op->work);
  if (op->self != NULL) napi_delete_reference(env, op->self);
  if (op->loaded != NULL) ps_free(op->loaded);
  free(op->hmm);
  free(op->lm);
  free(op->dict);
  for (int i = 0; i < op->n_search_args; i++) free(op->search_args[i]);
  free(op->samples);
  free(op->hyp);
  for (size_t i = 0; i < op->n_segments; i++) free(op->segments[i].word);
  free(op->segments);
  free(op);
}

static int is_directory(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_regular_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The text mdef reader calls exit() on malformed input, which would take the whole process
 * down, so anything that is neither a binary ("BMDF", either byte order) nor a text ("0.3")
 * model definition is refused up front. Git LFS pointers checked out in place of the model
 * are the usual culprit. */
static int looks_like_mdef(const char *path) {
  char magic[4] = {0};
  FILE *file = fopen(path, "rb");
  if (file == NULL) return 0;
  size_t got = fread(magic, 1, sizeof magic, file);
  fclose(file);
  return got == sizeof magic && (memcmp(magic, "BMDF", 4) == 0 || memcmp(magic, "FDMB", 4) == 0 ||
                                 memcmp(magic, "0.3", 3) == 0);
}

static void execute_load(Op *op) {
  char mdef[4096];
  /* pocketsphinx reports missing files with little context, so the common mistakes are
   * named here first. */
  snprintf(mdef, sizeof mdef, "%s/mdef", op->hmm);
  if (!is_directory(op->hmm) || !is_regular_file(mdef)) {
    op->failed = 1;
    snprintf(op->error, sizeof op->error,
             "acoustic model directory %s does not exist or has no mdef file", op->hmm);
    return;
  }
  if (!looks_like_mdef(mdef)) {
    op->failed = 1;
    snprintf(op->error, sizeof op->error,
             "%.600s/mdef is not a pocketsphinx model definition (corrupt file or Git LFS "
             "pointer?)",
             op->hmm);
    return;
  }
  if (!is_regular_file(op->lm)) {
    op->failed = 1;
    snprintf(op->error, sizeof op->error, "language model file %s does not exist", op->lm);
    return;
  }
  if (!is_regular_file(op->dict)) {
    op->failed = 1;
    snprintf(op->error, sizeof op->error, "pronunciation dictionary %s does not exist", op->dict);
    return;
  }

  char rate[32];
  snprintf(rate, sizeof rate, "%d", op->sample_rate);
  char *argv[8 + 2 * MAX_SEARCH_FLAGS];
  int argc = 0;
  argv[argc++] = "-hmm";
  argv[argc++] = op->hmm;
  argv[argc++] = "-lm";
  argv[argc++] = op->lm;
  argv[argc++] = "-dict";
  argv[argc++] = op->dict;
  argv[argc++] = "-samprate";
  argv[argc++] = rate;
  for (int i = 0; i < op->n_search_args; i++) argv[argc++] = op->search_args[i];
  cmd_ln_t *config = cmd_ln_parse_r(NULL, ps_args(), argc, argv, TRUE);
  if (config == NULL) {
    set_op_error(op, "invalid pocketsphinx configuration");
    return;
  }
  op->loaded = ps_init(config);
  cmd_ln_free_r(config); /* ps_init keeps its own reference */
  if (op->loaded == NULL) set_op_error(op, "could not load the pocketsphinx model");
}

#ifdef PARLEY_PS_INTERNAL
/* Whether the headers this file was built with describe the library it runs with: the n-gram
 * search's language model, found through them, must be the one the public API gives. */
static int layout_matches(ps_decoder_t *ps) {
  ps_search_t *search = ps->search;
  if (search == NULL || strcmp(ps_search_type(search), PS_SEARCH_TYPE_NGRAM) != 0) return 0;
  ngram_model_t *lm = ps_get_lm(ps, ps_get_search(ps));
  return lm != NULL && ((ngram_search_t *)search)->lmset == lm && ((ngram_search_t *)search)->n_frame == 0;
}

static int copy_segments(Op *op, ps_seg_t *seg) {
  size_t capacity = 0;
  for (; seg != NULL; seg = ps_seg_next(seg)) {
    if (op->n_segments == capacity) {
      size_t grown = capacity ? 2 * capacity : 32;
      Segment *more = realloc(op->segments, grown * sizeof *more);
      if (more == NULL) {
        ps_seg_free(seg);
        return -1;
      }
      op->segments = more;
      capacity = grown;
    }
    Segment *out = &op->segments[op->n_segments];
    const char *word = ps_seg_word(seg);
    ps_seg_frames(seg, &out->start_frame, &out->end_frame);
    out->word = strdup(word != NULL ? word : "");
    if (out->word == NULL) {
      ps_seg_free(seg);
      return -1;
    }
    op->n_segments++;
  }
  return 0;
}

/* The best path through the lattice so far, scored as ps_end_utt's best-path search scores it,
 * without ending the utterance. The lattice is built from the backpointer table, whose index
 * for the frame after the last one searched is only written when the search steps into that
 * frame (or at the end of the utterance); until then it holds a stale value that the lattice's
 * end-node search would read past the table's end with. It is written here as the next step
 * will write it. Before any word has ended there is no lattice and the text is empty. */
static void execute_rescore(Op *op) {
  ps_decoder_t *ps = op->dec->ps;
  ngram_search_t *ngs = (ngram_search_t *)ps->search;
  const char *text = "";
  ngram_search_mark_bptable(ngs, ngs->n_frame);
  ps_lattice_t *dag = ps_get_lattice(ps);
  if (dag != NULL) {
    ps_latlink_t *link = ps_lattice_bestpath(dag, ngs->lmset, ngs->bestpath_fwdtree_lw_ratio, ngs->ascale);
    if (link != NULL) {
      const char *hyp = ps_lattice_hyp(dag, link);
      if (hyp != NULL) text = hyp;
      if (copy_segments(op, ps_lattice_seg_iter(dag, link, ngs->bestpath_fwdtree_lw_ratio)) < 0) {
        set_op_error(op, "out of memory");
        return;
      }
    }
  }
  op->hyp = strdup(text);
  if (op->hyp == NULL) set_op_error(op, "out of memory");
}
#else
static int layout_matches(ps_decoder_t *ps) { return 0; }
static void execute_rescore(Op *op) { set_op_error(op, "rescore() is unavailable in this build"); }
#endif

static void execute_op(napi_env env, void *data) {
  Op *op = data;
  reset_captured_error();
  switch (op->kind) {
    case OP_LOAD:
      execute_load(op);
      break;
    case OP_PROCESS:
      op->frames = ps_process_raw(op->dec->ps, op->samples, op->n_samples, FALSE, FALSE);
      if (op->frames < 0) set_op_error(op, "pocketsphinx could not process the audio");
      break;
    case OP_END: {
      if (ps_end_utt(op->dec->ps) < 0) {
        set_op_error(op, "pocketsphinx could not end the utterance");
        break;
      }
      int32 score = 0;
      /* After ps_end_utt this runs the lattice best-path search, so it belongs off-thread. */
      const char *hyp = ps_get_hyp(op->dec->ps, &score);
      op->hyp = strdup(hyp != NULL ? hyp : "");
      if (op->hyp == NULL) set_op_error(op, "out of memory");
      break;
    }
    case OP_RESCORE:
      execute_rescore(op);
      break;
  }
}

/* { word, startFrame, endFrame } objects, as segments() gives them. */
static napi_status segment_object(napi_env env, const char *word, int start, int end, napi_value *item) {
  napi_value word_value, start_value, end_value;
  napi_status status;
  if ((status = napi_create_object(env, item)) != napi_ok ||
      (status = napi_create_string_utf8(env, word, NAPI_AUTO_LENGTH, &word_value)) != napi_ok ||
      (status = napi_create_int32(env, start, &start_value)) != napi_ok ||
      (status = napi_create_int32(env, end, &end_value)) != napi_ok ||
      (status = napi_set_named_property(env, *item, "word", word_value)) != napi_ok ||
      (status = napi_set_named_property(env, *item, "startFrame", start_value)) != napi_ok) {
    return status;
  }
  return napi_set_named_property(env, *item, "endFrame", end_value);
}

static napi_status rescore_result(napi_env env, const Op *op, napi_value *result) {
  napi_value text, segments, item;
  napi_status status;
  if ((status = napi_create_object(env, result)) != napi_ok ||
      (status = napi_create_string_utf8(env, op->hyp, NAPI_AUTO_LENGTH, &text)) != napi_ok ||
      (status = napi_create_array_with_length(env, op->n_segments, &segments)) != napi_ok) {
    return status;
  }
  for (size_t i = 0; i < op->n_segments; i++) {
    const Segment *seg = &op->segments[i];
    if ((status = segment_object(env, seg->word, seg->start_frame, seg->end_frame, &item)) != napi_ok ||
        (status = napi_set_element(env, segments, (uint32_t)i, item)) != napi_ok) {
      return status;
    }
  }
  if ((status = napi_set_named_property(env, *result, "text", text)) != napi_ok) return status;
  return napi_set_named_property(env, *result, "segments", segments);
}

static void settle_load(napi_env env, Op *op, napi_status status) {
  if (status != napi_ok || op->failed) {
    napi_reject_deferred(env, op->deferred,
                         make_error(env, "ERR_MODEL_LOAD",
                                    status != napi_ok ? "model loading was cancelled" : op->error));
    return;
  }
  AddonState *state = NULL;
  napi_value constructor, instance;
  Decoder *dec = calloc(1, sizeof *dec);
  if (dec == NULL || napi_get_instance_data(env, (void **)&state) != napi_ok || state == NULL ||
      napi_get_reference_value(env, state->constructor, &constructor) != napi_ok) {
    free(dec);
    napi_reject_deferred(env, op->deferred,
                         make_error(env, "ERR_MODEL_LOAD", "could not create the Decoder object"));
    return;
  }
  dec->ps = op->loaded;
  dec->can_rescore = layout_matches(dec->ps);
  op->loaded = NULL;
  state->pending = dec;
  napi_status made = napi_new_instance(env, constructor, 0, NULL, &instance);
  if (state->pending != NULL) {
    /* The constructor never took ownership, so the decoder is still ours to release. */
    state->pending = NULL;
    release_ps(dec);
    free(dec);
    made = napi_generic_failure;
  }
  if (made != napi_ok) {
    bool pending = false;
    napi_value exception;
    napi_is_exception_pending(env, &pending);
    if (pending && napi_get_and_clear_last_exception(env, &exception) == napi_ok) {
      napi_reject_deferred(env, op->deferred, exception);
    } else {
      napi_reject_deferred(env, op->deferred,
                           make_error(env, "ERR_MODEL_LOAD", "could not create the Decoder object"));
    }
    return;
  }
  napi_resolve_deferred(env, op->deferred, instance);
}

static void complete_op(napi_env env, napi_status status, void *data) {
  Op *op = data;
  if (op->kind == OP_LOAD) {
    settle_load(env, op, status);
    op_free(env, op);
    return;
  }

  Decoder *dec = op->dec;
  dec->busy = NULL;
  if (status != napi_ok) {
    napi_reject_deferred(env, op->deferred,
                         make_error(env, "ERR_DECODE", "the decoder call was cancelled"));
  } else if (op->failed) {
    napi_reject_deferred(env, op->deferred, make_error(env, "ERR_DECODE", op->error));
  } else if (op->kind == OP_PROCESS) {
    napi_value frames;
    napi_create_int32(env, op->frames, &frames);
    napi_resolve_deferred(env, op->deferred, frames);
  } else if (op->kind == OP_RESCORE) {
    napi_value result;
    if (rescore_result(env, op, &result) == napi_ok) {
      napi_resolve_deferred(env, op->deferred, result);
    } else {
      napi_reject_deferred(env, op->deferred, make_error(env, "ERR_POCKETSPHINX_NAPI", "could not build the rescored result"));
    }
  } else {
    napi_value hyp;
    napi_create_string_utf8(env, op->hyp, NAPI_AUTO_LENGTH, &hyp);
    napi_resolve_deferred(env, op->deferred, hyp);
  }

  if (dec->free_pending || dec->finalized) release_ps(dec);
  if (dec->finalized) {
    free(dec);
    op->dec = NULL;
  }
  op_free(env, op);
}

/* Queues `op` and returns its promise; on failure frees `op` and returns NULL with a pending
 * exception, so callers never mark a decoder busy for work that will not run. */
static napi_value queue_op(napi_env env, Op *op, const char *name) {
  napi_value promise, resource_name;
  if (napi_create_promise(env, &op->deferred, &promise) != napi_ok) {
    op->deferred = NULL;
    throw_last_napi_error(env);
    op_free(env, op);
    return NULL;
  }
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_create_async_work(env, NULL, resource_name, execute_op, complete_op, op, &op->work) !=
          napi_ok ||
      napi_queue_async_work(env, op->work) != napi_ok) {
    throw_last_napi_error(env);
    /* Settles the orphaned promise so its persistent handle is released. */
    napi_reject_deferred(env, op->deferred,
                         make_error(env, "ERR_POCKETSPHINX_NAPI", "could not queue work"));
    op_free(env, op);
    return NULL;
  }
  return promise;
}

/* Creates an Op bound to the decoder behind `self`, holding a strong reference to it. */
static Op *new_decoder_op(napi_env env, napi_value self, Decoder *dec, OpKind kind) {
  Op *op = calloc(1, sizeof *op);
  if (op == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  op->kind = kind;
  op->dec = dec;
  if (napi_create_reference(env, self, 1, &op->self) != napi_ok) {
    free(op);
    throw_last_napi_error(env);
    return NULL;
  }
  return op;
}

/* ---------- JS methods ---------- */

static napi_value decoder_constructor(napi_env env, napi_callback_info info) {
  napi_value self, new_target;
  AddonState *state = NULL;
  NAPI_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  NAPI_CALL(env, napi_get_new_target(env, info, &new_target));
  NAPI_CALL(env, napi_get_instance_data(env, (void **)&state));
  if (new_target == NULL || state == NULL || state->pending == NULL) {
    napi_throw_type_error(env, NULL,
                          "Decoder cannot be constructed directly; use Decoder.create(options)");
    return NULL;
  }
  Decoder *dec = state->pending;
  NAPI_CALL(env, napi_type_tag_object(env, self, &DECODER_TYPE_TAG));
  NAPI_CALL(env, napi_wrap(env, self, dec, finalize_decoder, NULL, NULL));
  state->pending = NULL;
  return self;
}

static napi_value decoder_create(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_valuetype type = napi_undefined;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1) napi_typeof(env, argv[0], &type);
  if (type != napi_object) {
    napi_throw_type_error(env, NULL,
                          "Decoder.create(options): options must be an object with hmm, lm and "
                          "dict paths");
    return NULL;
  }

  int sample_rate = 16000;
  napi_value rate_value;
  napi_valuetype rate_type;
  NAPI_CALL(env, napi_get_named_property(env, argv[0], "sampleRate", &rate_value));
  napi_typeof(env, rate_value, &rate_type);
  if (rate_type != napi_undefined) {
    double rate = 0;
    if (rate_type == napi_number) napi_get_value_double(env, rate_value, &rate);
    if (rate_type != napi_number || !(rate >= 8000 && rate <= 96000) || rate != (int)rate) {
      napi_throw_type_error(env, NULL,
                            "Decoder.create(options): options.sampleRate must be an integer "
                            "number of Hz between 8000 and 96000");
      return NULL;
    }
    sample_rate = (int)rate;
  }

  Op *op = calloc(1, sizeof *op);
  if (op == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  op->kind = OP_LOAD;
  op->sample_rate = sample_rate;
  if ((op->hmm = read_path_option(env, argv[0], "hmm")) == NULL ||
      (op->lm = read_path_option(env, argv[0], "lm")) == NULL ||
      (op->dict = read_path_option(env, argv[0], "dict")) == NULL ||
      !read_search_option(env, argv[0], op)) {
    op_free(env, op);
    return NULL;
  }
  return queue_op(env, op, "pocketsphinx.load");
}

static napi_value decoder_start_utt(napi_env env, napi_callback_info info) {
  char message[256];
  Decoder *dec = unwrap_this(env, info, NULL, NULL, "startUtt");
  if (dec == NULL) return NULL;
  const char *code = check_usable(dec, "startUtt", 0, message, sizeof message);
  if (code != NULL) return throw_state_error(env, code, message);
  if (dec->in_utterance) {
    return throw_state_error(env, "ERR_UTTERANCE_ACTIVE",
                             "Decoder.startUtt: an utterance is already in progress; call "
                             "endUtt() first");
  }
  reset_captured_error();
  if (ps_start_utt(dec->ps) < 0) {
    snprintf(message, sizeof message, "pocketsphinx could not start an utterance%s%s",
             captured_error[0] ? ": " : "", captured_error);
    return throw_state_error(env, "ERR_DECODE", message);
  }
  dec->in_utterance = 1;
  return undefined_value(env);
}

static napi_value decoder_process_raw(napi_env env, napi_callback_info info) {
  char message[256];
  size_t argc = 1;
  napi_value argv[1], self;
  Decoder *dec = unwrap_this(env, info, &argc, argv, "processRaw");
  if (dec == NULL) return NULL;

  bool is_typed = false;
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void *data = NULL;
  if (argc >= 1) napi_is_typedarray(env, argv[0], &is_typed);
  if (is_typed) napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL);
  if (!is_typed || type != napi_int16_array) {
    napi_throw_type_error(env, NULL,
                          "Decoder.processRaw(samples): samples must be an Int16Array of "
                          "signed 16-bit PCM");
    return NULL;
  }

  const char *code = check_usable(dec, "processRaw", 1, message, sizeof message);
  if (code != NULL) return rejected_promise(env, code, message);

  NAPI_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  Op *op = new_decoder_op(env, self, dec, OP_PROCESS);
  if (op == NULL) return NULL;
  /* The caller may reuse or transfer its buffer as soon as we return, so the worker thread
   * gets a private copy. */
  op->n_samples = length;
  if (length > 0) {
    op->samples = malloc(length * sizeof(int16));
    if (op->samples == NULL) {
      op_free(env, op);
      napi_throw_error(env, NULL, "out of memory");
      return NULL;
    }
    memcpy(op->samples, data, length * sizeof(int16));
  }
  napi_value promise = queue_op(env, op, "pocketsphinx.processRaw");
  if (promise != NULL) dec->busy = "processRaw";
  return promise;
}

static napi_value decoder_partial(napi_env env, napi_callback_info info) {
  char message[256];
  Decoder *dec = unwrap_this(env, info, NULL, NULL, "partial");
  if (dec == NULL) return NULL;
  const char *code = check_usable(dec, "partial", 1, message, sizeof message);
  if (code != NULL) return throw_state_error(env, code, message);
  int32 score = 0;
  const char *hyp = ps_get_hyp(dec->ps, &score);
  napi_value result;
  NAPI_CALL(env, napi_create_string_utf8(env, hyp != NULL ? hyp : "", NAPI_AUTO_LENGTH, &result));
  return result;
}

/* Word timings let callers place punctuation at pauses; fillers (<sil>, [NOISE]) are kept
 * because their frames are the pauses. */
static napi_value decoder_segments(napi_env env, napi_callback_info info) {
  char message[256];
  Decoder *dec = unwrap_this(env, info, NULL, NULL, "segments");
  if (dec == NULL) return NULL;
  const char *code = check_usable(dec, "segments", 0, message, sizeof message);
  if (code != NULL) return throw_state_error(env, code, message);
  napi_value result;
  NAPI_CALL(env, napi_create_array(env, &result));
  uint32_t index = 0;
  for (ps_seg_t *seg = ps_seg_iter(dec->ps); seg != NULL; seg = ps_seg_next(seg)) {
    int start = 0, end = 0;
    ps_seg_frames(seg, &start, &end);
    const char *word = ps_seg_word(seg);
    napi_value item;
    if (segment_object(env, word != NULL ? word : "", start, end, &item) != napi_ok ||
        napi_set_element(env, result, index++, item) != napi_ok) {
      ps_seg_free(seg);
      throw_last_napi_error(env);
      return NULL;
    }
  }
  return result;
}

/* Queues `method` (an OP_END or OP_RESCORE) on the decoder behind `this` once it may run now;
 * *queued is the decoder when the call was queued, NULL otherwise. */
static napi_value queue_utterance_call(napi_env env, napi_callback_info info, const char *method, OpKind kind,
                                       Decoder **queued) {
  char message[256];
  napi_value self;
  *queued = NULL;
  Decoder *dec = unwrap_this(env, info, NULL, NULL, method);
  if (dec == NULL) return NULL;
  const char *code = check_usable(dec, method, 1, message, sizeof message);
  if (code != NULL) return rejected_promise(env, code, message);
  if (kind == OP_RESCORE && !dec->can_rescore) {
    return rejected_promise(env, "ERR_RESCORE_UNAVAILABLE",
                            "rescore() needs the addon built with pocketsphinx's own headers for the installed version");
  }

  NAPI_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  Op *op = new_decoder_op(env, self, dec, kind);
  if (op == NULL) return NULL;
  char resource[64];
  snprintf(resource, sizeof resource, "pocketsphinx.%s", method);
  napi_value promise = queue_op(env, op, resource);
  if (promise != NULL) {
    dec->busy = method;
    *queued = dec;
  }
  return promise;
}

static napi_value decoder_end_utt(napi_env env, napi_callback_info info) {
  Decoder *dec;
  napi_value promise = queue_utterance_call(env, info, "endUtt", OP_END, &dec);
  /* The utterance is over whether or not ps_end_utt succeeds; startUtt must be allowed. */
  if (dec != NULL) dec->in_utterance = 0;
  return promise;
}

static napi_value decoder_rescore(napi_env env, napi_callback_info info) {
  Decoder *dec;
  return queue_utterance_call(env, info, "rescore", OP_RESCORE, &dec);
}

static napi_value decoder_free(napi_env env, napi_callback_info info) {
  Decoder *dec = unwrap_this(env, info, NULL, NULL, "free");
  if (dec == NULL) return NULL;
  if (!dec->freed) {
    dec->freed = 1;
    dec->in_utterance = 0;
    if (dec->busy != NULL) {
      dec->free_pending = 1;
    } else {
      release_ps(dec);
    }
  }
  return undefined_value(env);
}

static napi_value boolean_value(napi_env env, bool value) {
  napi_value result;
  NAPI_CALL(env, napi_get_boolean(env, value, &result));
  return result;
}

static napi_value decoder_get_busy(napi_env env, napi_callback_info info) {
  Decoder *dec = unwrap_this(env, info, NULL, NULL, "busy");
  return dec == NULL ? NULL : boolean_value(env, dec->busy != NULL);
}

static napi_value decoder_get_can_rescore(napi_env env, napi_callback_info info) {
  Decoder *dec = unwrap_this(env, info, NULL, NULL, "canRescore");
  return dec == NULL ? NULL : boolean_value(env, dec->can_rescore != 0);
}

static napi_value decoder_get_freed(napi_env env, napi_callback_info info) {
  Decoder *dec = unwrap_this(env, info, NULL, NULL, "freed");
  return dec == NULL ? NULL : boolean_value(env, dec->freed != 0);
}

/* ---------- module ---------- */

static void finalize_state(napi_env env, void *data, void *hint) {
  AddonState *state = data;
  if (state->constructor != NULL) napi_delete_reference(env, state->constructor);
  free(state);
}

NAPI_MODULE_INIT() {
  /* Silences pocketsphinx: the NULL log file drops the configuration dump ps_init writes
   * straight to the log stream, and the callback turns ERROR lines into rejection messages.
   * The per-decoder "-logfn" option is avoided on purpose: it swaps a process-wide FILE* on
   * every load, which races when several decoders load on different threads. */
  err_set_logfp(NULL);
  err_set_callback(capture_log, NULL);

  napi_property_descriptor properties[] = {
      {"create", NULL, decoder_create, NULL, NULL, NULL, napi_static, NULL},
      {"startUtt", NULL, decoder_start_utt, NULL, NULL, NULL, napi_default_method, NULL},
      {"processRaw", NULL, decoder_process_raw, NULL, NULL, NULL, napi_default_method, NULL},
      {"partial", NULL, decoder_partial, NULL, NULL, NULL, napi_default_method, NULL},
      {"endUtt", NULL, decoder_end_utt, NULL, NULL, NULL, napi_default_method, NULL},
      {"rescore", NULL, decoder_rescore, NULL, NULL, NULL, napi_default_method, NULL},
      {"segments", NULL, decoder_segments, NULL, NULL, NULL, napi_default_method, NULL},
      {"free", NULL, decoder_free, NULL, NULL, NULL, napi_default_method, NULL},
      {"busy", NULL, NULL, decoder_get_busy, NULL, NULL, napi_default, NULL},
      {"freed", NULL, NULL, decoder_get_freed, NULL, NULL, napi_default, NULL},
      {"canRescore", NULL, NULL, decoder_get_can_rescore, NULL, NULL, napi_default, NULL},
  };
  napi_value constructor;
  NAPI_CALL(env, napi_define_class(env, "Decoder", NAPI_AUTO_LENGTH, decoder_constructor, NULL,
                                   sizeof properties / sizeof properties[0], properties,
                                   &constructor));

  AddonState *state = calloc(1, sizeof *state);
  if (state == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  if (napi_create_reference(env, constructor, 1, &state->constructor) != napi_ok ||
      napi_set_instance_data(env, state, finalize_state, NULL) != napi_ok) {
    free(state);
    throw_last_napi_error(env);
    return NULL;
  }
  NAPI_CALL(env, napi_set_named_property(env, exports, "Decoder", constructor));
  return exports;
}
