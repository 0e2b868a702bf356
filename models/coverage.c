/* The registry of cited rules and a thread-safe record of which were
 * exercised. Invariant: after the first lookup the registry and its index
 * are read-only, so the sink needs no lock on its common path; a rule is
 * marked with an atomic store, and only citations the registry does not
 * know (a model bug the coverage test catches) take a lock. */
#include "coverage.h"

#include <string.h>

#include "observation.h"

/* Every rule an observation may cite. Keep in step with models/profile.c
 * and the citations in models/broker.c and models/client.c;
 * tests/test-coverage.c fails when a cited rule is missing here. */
static const struct {
  const char *version;
  const char *id;
  const char *summary;
} registry[] = {
  { "3.1.1", "MQTT-2.3.1-2", "a new packet gets a packet id not in use" },
  { "3.1.1", "MQTT-3.1.2-1", "a wrong Protocol Name: the server may close "
    "without processing the CONNECT" },
  { "3.1.1", "MQTT-3.1.2-4", "Clean Session 0: resume or create the session" },
  { "3.1.1", "MQTT-3.1.2-5", "store QoS 1/2 messages while disconnected" },
  { "3.1.1", "MQTT-3.1.2-6", "Clean Session 1: a fresh session for this "
    "connection only" },
  { "3.1.1", "MQTT-3.1.2-8", "the will is published when the connection "
    "closes without DISCONNECT" },
  { "3.1.1", "MQTT-3.1.2-24", "close after 1.5 x Keep Alive of silence" },
  { "3.1.1", "MQTT-3.1.3-6", "an empty ClientId gets a unique one" },
  { "3.1.1", "MQTT-3.1.3-8", "empty ClientId with Clean Session 0: "
    "CONNACK 0x02" },
  { "3.1.1", "MQTT-3.1.4-2", "a second connection with the ClientId closes "
    "the first" },
  { "3.1.1", "MQTT-3.2.2-1", "Session Present 0 after Clean Session 1" },
  { "3.1.1", "MQTT-3.2.2-2", "Session Present 1 when a session is resumed" },
  { "3.1.1", "MQTT-3.2.2-3", "Session Present 0 when a session is created" },
  { "3.1.1", "MQTT-3.2.2-4", "Session Present 0 on a refused connection" },
  { "3.1.1", "MQTT-3.3.1-1", "DUP set on a redelivered PUBLISH" },
  { "3.1.1", "MQTT-3.8.4-6", "delivered QoS is the lower of published and "
    "granted" },
  { "3.1.1", "MQTT-3.10.4-2", "no new messages for a filter after "
    "UNSUBSCRIBE" },
  { "3.1.1", "MQTT-3.12.4-1", "PINGREQ is answered with PINGRESP" },
  { "3.1.1", "MQTT-3.14.4-1", "after DISCONNECT the client closes the "
    "connection" },
  { "3.1.1", "MQTT-3.14.4-2", "after DISCONNECT the client sends nothing "
    "more" },
  { "3.1.1", "MQTT-3.14.4-3", "DISCONNECT discards the will" },
  { "3.1.1", "MQTT-4.3.2-2", "QoS 1 receiver answers PUBACK" },
  { "3.1.1", "MQTT-4.3.3-1", "QoS 2 sender: PUBREL after PUBREC, never the "
    "PUBLISH again" },
  { "3.1.1", "MQTT-4.3.3-2", "QoS 2 receiver: PUBREC, no duplicate onward "
    "delivery, PUBCOMP" },
  { "3.1.1", "MQTT-4.4.0-1", "resend unacknowledged PUBLISH and PUBREL on "
    "reconnect" },
  { "3.1.1", "§3.2.2.2", "a client may drop state Session Present says is "
    "gone" },
  { "5.0", "MQTT-2.2.1-3", "a new packet gets a non-zero packet id not in "
    "use" },
  { "5.0", "MQTT-3.1.2-1", "a wrong Protocol Name: no MQTT processing; "
    "close (CONNACK 0x84 first, optionally)" },
  { "5.0", "MQTT-3.1.2-4", "Clean Start 1: discard any session, start a new "
    "one" },
  { "5.0", "MQTT-3.1.2-5", "Clean Start 0 with a session: resume it" },
  { "5.0", "MQTT-3.1.2-6", "Clean Start 0 without a session: create one" },
  { "5.0", "MQTT-3.1.2-8", "the will goes out after its delay or at "
    "session end" },
  { "5.0", "MQTT-3.1.2-22", "close after 1.5 x Keep Alive of silence" },
  { "5.0", "MQTT-3.1.2-23", "Session Expiry > 0 keeps the session after "
    "the connection" },
  { "5.0", "MQTT-3.1.3-9", "a reconnect within the will delay cancels the "
    "will" },
  { "5.0", "MQTT-3.1.4-3", "takeover: DISCONNECT 0x8E to the old "
    "connection" },
  { "5.0", "MQTT-3.2.2-2", "Session Present 0 after Clean Start 1" },
  { "5.0", "MQTT-3.2.2-3", "Session Present 1 exactly when a session was "
    "resumed" },
  { "5.0", "MQTT-3.2.2-4", "a client without state closes on Session "
    "Present 1" },
  { "5.0", "MQTT-3.2.2-5", "a client discards its state on Session "
    "Present 0" },
  { "5.0", "MQTT-3.2.2-6", "Session Present 0 on a refused connection" },
  { "5.0", "MQTT-3.2.2-16", "an assigned ClientId is not in use" },
  { "5.0", "MQTT-3.3.1-1", "DUP set on a redelivered PUBLISH" },
  { "5.0", "MQTT-3.3.2-5", "an expired message is not sent onward" },
  { "5.0", "MQTT-3.3.4-7", "no more QoS 1/2 PUBLISHes in flight than "
    "Receive Maximum" },
  { "5.0", "MQTT-3.8.4-8", "delivered QoS is the lower of published and "
    "granted" },
  { "5.0", "MQTT-3.10.4-2", "no new messages for a filter after "
    "UNSUBSCRIBE" },
  { "5.0", "MQTT-3.12.4-1", "PINGREQ is answered with PINGRESP" },
  { "5.0", "MQTT-3.14.4-1", "after DISCONNECT the sender sends nothing "
    "more" },
  { "5.0", "MQTT-3.14.4-2", "after DISCONNECT the sender closes the "
    "connection" },
  { "5.0", "MQTT-3.14.4-3", "DISCONNECT 0x00 discards the will" },
  { "5.0", "MQTT-4.1.0-2", "the session is discarded when it expires" },
  { "5.0", "MQTT-4.3.2-4", "QoS 1 receiver answers PUBACK" },
  { "5.0", "MQTT-4.3.3-6", "QoS 2 sender never resends the PUBLISH after "
    "PUBREL" },
  { "5.0", "MQTT-4.3.3-8", "QoS 2 receiver answers PUBREC" },
  { "5.0", "MQTT-4.3.3-10", "QoS 2 receiver: no duplicate onward delivery "
    "before PUBREL" },
  { "5.0", "MQTT-4.3.3-11", "QoS 2 receiver answers PUBREL with PUBCOMP" },
  { "5.0", "MQTT-4.4.0-1", "resend unacknowledged PUBLISH and PUBREL on "
    "resume" },
  { "5.0", "MQTT-4.5.0-1", "messages for a disconnected session are kept "
    "in it" },
  { "5.0", "§3.1.2.11.2", "Session Expiry absent or 0: the session ends "
    "with the connection" },
  { "5.0", "§3.1.3.2.2", "the will waits for its Will Delay" },
  { "5.0", "§3.14.2.2.2", "DISCONNECT may change the Session Expiry" },
  { "5.0", "§3.4.2.1", "a PUBACK or PUBREC failure code refuses the "
    "message" },
  { "both", "MQTT-3.1.0-2", "a second CONNECT on a connection is a protocol "
    "violation" },
  { "both", "MQTT-4.3.1-1", "QoS 0 is sent at most once, never stored" },
  { "both", "MQTT-4.5.0-1", "an accepted message goes to every matching "
    "subscription" },
};

static SesRuleInfo infos[G_N_ELEMENTS (registry)];
static GHashTable *by_rule; /* citation -> index + 1, read-only once built */

static gpointer
build_index (gpointer unused)
{
  by_rule = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < G_N_ELEMENTS (registry); i++)
    {
      const char *id = registry[i].id;
      /* Numbered statements are cited in brackets, sections bare. */
      char *rule = g_str_has_prefix (id, "§")
                     ? g_strdup_printf ("%s %s", registry[i].version, id)
                     : g_strdup_printf ("%s [%s]", registry[i].version, id);
      infos[i] = (SesRuleInfo) { registry[i].version, id,
                                 g_intern_string (rule), registry[i].summary };
      g_free (rule);
      g_assert (!g_hash_table_contains (by_rule, infos[i].rule));
      g_hash_table_insert (by_rule, (gpointer) infos[i].rule,
                           GUINT_TO_POINTER (i + 1));
    }
  return NULL;
}

static void
ensure_index (void)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, build_index, NULL);
}

guint
ses_rules_count (void)
{
  return G_N_ELEMENTS (registry);
}

const SesRuleInfo *
ses_rules_get (guint i)
{
  g_return_val_if_fail (i < G_N_ELEMENTS (registry), NULL);
  ensure_index ();
  return &infos[i];
}

gint
ses_rules_lookup (const char *rule)
{
  ensure_index ();
  return (gint) GPOINTER_TO_UINT (g_hash_table_lookup (by_rule, rule)) - 1;
}

struct _SesCoverage {
  guint32 versions;
  gint hit[G_N_ELEMENTS (registry)]; /* atomic flags */
  GMutex lock;                       /* guards unknown */
  GHashTable *unknown;               /* (element-type utf8 utf8) a set */
};

SesCoverage *
ses_coverage_new (guint32 versions)
{
  ensure_index ();
  SesCoverage *c = g_new0 (SesCoverage, 1);
  c->versions = versions;
  g_mutex_init (&c->lock);
  c->unknown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return c;
}

void
ses_coverage_free (SesCoverage *c)
{
  if (c == NULL)
    return;
  g_hash_table_unref (c->unknown);
  g_mutex_clear (&c->lock);
  g_free (c);
}

static const char *const versions[] = { "3.1.1 ", "5.0 ", "both " };

/* The length of a citation starting at p ("5.0 [MQTT-3.1.2-4]",
 * "5.0 §3.1.2.11.2"), 0 if none starts there. */
static gsize
citation_at (const char *p)
{
  for (guint v = 0; v < G_N_ELEMENTS (versions); v++)
    {
      gsize n = strlen (versions[v]);
      if (strncmp (p, versions[v], n) != 0)
        continue;
      const char *q = p + n;
      if (g_str_has_prefix (q, "[MQTT-"))
        {
          const char *end = q + 6;
          while (g_ascii_isdigit (*end) || *end == '.' || *end == '-')
            end++;
          return *end == ']' && end > q + 6 ? (gsize) (end + 1 - p) : 0;
        }
      if (g_str_has_prefix (q, "§"))
        {
          const char *end = q + strlen ("§");
          while (g_ascii_isdigit (*end) || (*end == '.'
                                            && g_ascii_isdigit (end[1])))
            end++;
          return end > q + strlen ("§") ? (gsize) (end - p) : 0;
        }
    }
  return 0;
}

GPtrArray *
ses_rules_extract (const char *text)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (const char *p = text; *p; p++)
    {
      /* A citation starts a word: "(both [MQTT-…])", not "15.0 […]". */
      if (p > text && (g_ascii_isalnum (p[-1]) || p[-1] == '.'))
        continue;
      gsize n = citation_at (p);
      if (n == 0)
        continue;
      g_ptr_array_add (out, g_strndup (p, n));
      p += n - 1;
    }
  return out;
}

static void
mark_index (SesCoverage *c, gint i)
{
  /* Read first: once a rule is marked, threads stop writing its line. */
  if (!g_atomic_int_get (&c->hit[i]))
    g_atomic_int_set (&c->hit[i], 1);
}

static void
mark (SesCoverage *c, const char *citation)
{
  gint i = ses_rules_lookup (citation);
  if (i >= 0)
    {
      mark_index (c, i);
      return;
    }
  g_mutex_lock (&c->lock);
  if (!g_hash_table_contains (c->unknown, citation))
    g_hash_table_add (c->unknown, g_strdup (citation));
  g_mutex_unlock (&c->lock);
}

void
ses_coverage_sink (const char *rule, gpointer data)
{
  SesCoverage *c = data;
  /* Most observations carry exactly one citation: one lookup, which the
   * checker makes for nearly every transition. */
  gint index = ses_rules_lookup (rule);
  if (index >= 0)
    {
      mark_index (c, index);
      return;
    }
  /* A note's free text may hold citations ("offline: QoS 0 not sent (both
   * [MQTT-4.3.1-1])") or none; only what is cited counts. */
  g_autoptr (GPtrArray) found = ses_rules_extract (rule);
  for (guint i = 0; i < found->len; i++)
    mark (c, g_ptr_array_index (found, i));
}

gboolean
ses_coverage_in_scope (const SesCoverage *c, guint i)
{
  g_return_val_if_fail (i < G_N_ELEMENTS (registry), FALSE);
  if (c->versions == 0 || strcmp (registry[i].version, "both") == 0)
    return TRUE;
  if (strcmp (registry[i].version, "5.0") == 0)
    return (c->versions & (1u << SES_MQTT_5)) != 0;
  return (c->versions & (1u << SES_MQTT_311)) != 0;
}

gboolean
ses_coverage_exercised (const SesCoverage *c, guint i)
{
  g_return_val_if_fail (i < G_N_ELEMENTS (registry), FALSE);
  return g_atomic_int_get (&c->hit[i]) != 0;
}

guint
ses_coverage_total (const SesCoverage *c)
{
  guint n = 0;
  for (guint i = 0; i < G_N_ELEMENTS (registry); i++)
    n += ses_coverage_in_scope (c, i);
  return n;
}

guint
ses_coverage_n_exercised (const SesCoverage *c)
{
  guint n = 0;
  for (guint i = 0; i < G_N_ELEMENTS (registry); i++)
    n += ses_coverage_in_scope (c, i) && ses_coverage_exercised (c, i);
  return n;
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
ses_coverage_unknown (SesCoverage *c)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_mutex_lock (&c->lock);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, c->unknown);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (out, g_strdup (key));
  g_mutex_unlock (&c->lock);
  /* Hash order is undefined: sort before anyone prints it. */
  g_ptr_array_sort (out, compare_strings);
  return out;
}

guint32
ses_coverage_versions (const SesCoverage *c)
{
  return c->versions;
}

void
ses_coverage_merge (SesCoverage *into, SesCoverage *from)
{
  for (guint i = 0; i < G_N_ELEMENTS (registry); i++)
    if (ses_coverage_exercised (from, i))
      g_atomic_int_set (&into->hit[i], 1);
  g_autoptr (GPtrArray) unknown = ses_coverage_unknown (from);
  for (guint i = 0; i < unknown->len; i++)
    mark (into, g_ptr_array_index (unknown, i));
}

static void
append_list (GString *out, const char *name, GPtrArray *items)
{
  g_string_append_printf (out, ",\"%s\":[", name);
  for (guint i = 0; i < items->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      ses_json_append_string (out, g_ptr_array_index (items, i));
    }
  g_string_append_c (out, ']');
}

void
ses_coverage_append_json (SesCoverage *c, GString *out)
{
  g_string_append (out, "{\"versions\":[");
  gboolean first = TRUE;
  if (c->versions == 0 || (c->versions & (1u << SES_MQTT_311)))
    {
      g_string_append (out, "\"3.1.1\"");
      first = FALSE;
    }
  if (c->versions == 0 || (c->versions & (1u << SES_MQTT_5)))
    g_string_append (out, first ? "\"5.0\"" : ",\"5.0\"");
  g_string_append_printf (out, "],\"rules\":%u,\"exercised\":%u",
                          ses_coverage_total (c), ses_coverage_n_exercised (c));
  g_autoptr (GPtrArray) yes = g_ptr_array_new ();
  g_autoptr (GPtrArray) no = g_ptr_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (registry); i++)
    if (ses_coverage_in_scope (c, i))
      g_ptr_array_add (ses_coverage_exercised (c, i) ? yes : no,
                       (gpointer) ses_rules_get (i)->rule);
  append_list (out, "exercised_rules", yes);
  append_list (out, "unexercised_rules", no);
  g_autoptr (GPtrArray) unknown = ses_coverage_unknown (c);
  append_list (out, "unknown_rules", unknown);
  g_string_append_c (out, '}');
}

char *
ses_coverage_to_text (SesCoverage *c, gboolean list)
{
  GString *out = g_string_new (NULL);
  gboolean v311 = c->versions == 0 || (c->versions & (1u << SES_MQTT_311));
  gboolean v5 = c->versions == 0 || (c->versions & (1u << SES_MQTT_5));
  g_string_append_printf (out, "# rules exercised: %u of %u (MQTT %s)\n",
                          ses_coverage_n_exercised (c), ses_coverage_total (c),
                          v311 && v5 ? "3.1.1 and 5.0" : v5 ? "5.0" : "3.1.1");
  if (list)
    for (guint i = 0; i < G_N_ELEMENTS (registry); i++)
      {
        if (!ses_coverage_in_scope (c, i))
          continue;
        const SesRuleInfo *r = ses_rules_get (i);
        /* Padded by characters, not bytes: "§" takes two. */
        glong pad = MAX (0, 24 - g_utf8_strlen (r->rule, -1));
        g_string_append_printf (out, "#   %-3s %s%*s %s\n",
                                ses_coverage_exercised (c, i) ? "yes" : "no",
                                r->rule, (int) pad, "", r->summary);
      }
  g_autoptr (GPtrArray) unknown = ses_coverage_unknown (c);
  for (guint i = 0; i < unknown->len; i++)
    g_string_append_printf (out, "#   cited but not registered: %s\n",
                            (const char *) g_ptr_array_index (unknown, i));
  return g_string_free (out, FALSE);
}
