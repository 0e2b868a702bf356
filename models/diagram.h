/* Diagrams of a run, built from its observation log and its configuration
 * only: the lifecycle of each session with the path the run took, the
 * lifecycle any session can go through in one protocol version (for
 * teaching), and the message sequence of the run with its faults, session
 * events and, optionally, a violated invariant highlighted. Each is a
 * graph built with cgraph (sim/dot.c), written as DOT text or rendered by
 * sim/render.c into SVG or PNG. docs/diagrams.md is the legend. */
#pragma once

#include <glib.h>
#include "clock.h"
#include "mqtt.h"
#include "observation.h"
#include "profile.h"

/* A violated invariant to highlight in the sequence diagram: the fields of
 * a SesViolation, passed as plain values (invariant: its name, e.g.
 * ses_invariant_name (v->id)). */
typedef struct {
  const char *invariant; /* "qos2-once" */
  SesTime time_us;       /* when it broke */
  guint64 obs_index;     /* index in ses_mqtt_log() of the observation
                            that showed it */
  const char *rule;      /* (nullable) "5.0 [MQTT-4.3.3-10]" */
  const char *message;   /* (nullable) one sentence */
} SesDiagramMark;

/* What a diagram of a long run shows: the view options of run, replay and
 * render (--only, --hide, --from, --to), chosen exactly as for the text
 * timeline. A filter changes the picture, never the run or its judging. */
typedef struct {
  const gboolean *clients; /* (nullable) per client index, TRUE: shown (and
                              broker-wide records); NULL: every client */
  guint n_clients;         /* length of clients */
  guint32 hide_packets;    /* bit per SesPacketType: packets on the wire
                              (sent, received, lost) left out */
  guint64 hide_kinds;      /* bit per SesObsKind: records left out */
  SesTime from, to;        /* the window of virtual time; SES_TIME_NONE:
                              open on that side */
} SesDiagramFilter;

/* Whether filter (nullable: everything) shows the step obs. */
gboolean ses_diagram_filter_shows (const SesDiagramFilter *filter,
                                   const SesObs *obs);
/* Whether filter shows a client's lifeline and its session's lifecycle
 * (--only). */
gboolean ses_diagram_filter_shows_client (const SesDiagramFilter *filter,
                                          guint32 client);

/* DOT text. (transfer full) */
/* The lifecycle of one broker session (one ClientId; clients sharing a
 * ClientId share it), with the run's path numbered on bold edges. */
char *ses_diagram_lifecycle_dot (SesMqtt *mqtt, guint32 session);
/* All the states and transitions the version allows, rule IDs on edges. */
char *ses_diagram_generic_lifecycle_dot (SesMqttVersion version);
/* The message sequence of the run; mark may be NULL. */
char *ses_diagram_sequence_dot (SesMqtt *mqtt, const SesDiagramMark *mark);
/* The same through a filter (nullable): only the lifelines of the clients
 * it shows (and the broker's), only the steps it shows. A packet with one
 * end shown and the other not is a note at the shown end, "sent ... (not
 * received in this view)" or "received ... (sent outside this view)". */
char *ses_diagram_sequence_dot_filtered (SesMqtt *mqtt,
                                         const SesDiagramMark *mark,
                                         const SesDiagramFilter *filter);
/* The observation each row of that diagram shows, row by row (element-type
 * guint): row r is drawn as the nodes "t<r>" and "l<lifeline>_r<r>", so a
 * viewer of the SVG can find the row of a step. (transfer full) */
GArray *ses_diagram_sequence_rows (SesMqtt *mqtt, const SesDiagramMark *mark);

/* The name a session's lifecycle file goes by: the label of the first
 * client declared with its ClientId, made safe for a file name.
 * (transfer full) */
char *ses_diagram_session_name (SesMqtt *mqtt, guint32 session);

/* Writes into dir (created if missing), each file whole, through filter
 * (nullable: the whole run; the lifecycles are written for the sessions of
 * the clients it shows, each whole, since a lifecycle is the path of the
 * whole run):
 *   what = "lifecycle": lifecycle-<name>.<ext>, one per session (see
 *          ses_diagram_session_name);
 *   what = "sequence":  sequence.<ext>, with mark highlighted if non-NULL;
 *   what = "all":       both.
 * format: "dot", "svg" or "png" (<ext> is the format). Errors are
 * SES_ERROR: SES_ERROR_INVALID for a bad `what`, SES_ERROR_UNSUPPORTED for
 * a bad format, SES_ERROR_IO for a file that cannot be written. */
gboolean ses_diagram_write_all (SesMqtt *mqtt, const char *what,
                                const char *format, const char *dir,
                                const SesDiagramMark *mark,
                                const SesDiagramFilter *filter,
                                GError **error);

/* Writes the generic lifecycle of a version to path in format. */
gboolean ses_diagram_generic_lifecycle (SesMqttVersion version,
                                        const char *format, const char *path,
                                        GError **error);
