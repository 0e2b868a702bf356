/* Writes report.html from a finished run: everything inline (SVG from the
 * diagram renderers, CSS, a small script), so the file works alone from
 * file:// with no network. Invariant: the bytes depend only on the run
 * (no time stamps, no hash order); step k of the page is the run after
 * its k-th observation, and every step is reachable from the keyboard. */
#include "htmlreport.h"

#include <string.h>
#include "expect.h"
#include "render.h"

void
ses_html_verdict_clear (gpointer data)
{
  SesHtmlVerdict *v = data;
  g_clear_pointer (&v->text, g_free);
  g_clear_pointer (&v->detail, g_free);
}

char *
ses_htmlreport_inline_svg (const char *svg, const char *id_prefix)
{
  const char *start = strstr (svg, "<svg");
  if (start == NULL)
    return g_strdup ("");
  GString *out = g_string_new (NULL);
  g_autofree char *with = g_strdup_printf (" id=\"%s", id_prefix);
  for (const char *p = start; *p;)
    {
      if (strncmp (p, " id=\"", 5) == 0)
        {
          g_string_append (out, with);
          p += 5;
          continue;
        }
      /* Graphviz's comments repeat node names; they add nothing inline. */
      if (strncmp (p, "<!--", 4) == 0)
        {
          const char *end = strstr (p, "-->");
          if (end != NULL)
            {
              p = end + 3;
              if (*p == '\n')
                p++;
              continue;
            }
        }
      g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

static void
esc (GString *out, const char *text)
{
  g_autofree char *t = g_markup_escape_text (text != NULL ? text : "", -1);
  g_string_append (out, t);
}

static const char style[] =
  ":root{--fg:#1a202c;--muted:#4a5568;--line:#cbd5e0;--here:#fff3b0;"
  "--ok:#276749;--bad:#c53030;--accent:#1a4f9c;font-size:16px}\n"
  "@media (min-width:1600px){:root{font-size:20px}}\n"
  "*{box-sizing:border-box}\n"
  "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Helvetica,"
  "Arial,sans-serif;color:var(--fg);background:#fff;line-height:1.4}\n"
  "header,main{padding:0 1rem}\n"
  "h1{font-size:1.6rem;margin:.8rem 0 .3rem}\n"
  "h2{font-size:1.15rem;margin:1rem 0 .4rem}\n"
  ".meta{color:var(--muted);margin:.2rem 0}\n"
  ".teaches{max-width:60rem}\n"
  ".status{font-weight:bold}.status.ok{color:var(--ok)}"
  ".status.bad{color:var(--bad)}\n"
  ".controls{position:sticky;top:0;z-index:2;background:#f7fafc;"
  "border-bottom:1px solid var(--line);padding:.5rem 1rem;display:flex;"
  "flex-wrap:wrap;gap:.5rem;align-items:center}\n"
  ".controls button{font-size:1rem;min-width:3.2rem;min-height:2.6rem;"
  "padding:.3rem .8rem;border:1px solid #718096;border-radius:.3rem;"
  "background:#fff;cursor:pointer}\n"
  ".controls button:disabled{opacity:.45;cursor:default}\n"
  "button:focus-visible,[tabindex]:focus-visible{outline:3px solid #2b6cb0;"
  "outline-offset:2px}\n"
  "#counter{font-weight:bold;min-width:9rem}\n"
  ".hint{color:var(--muted);font-size:.9rem}\n"
  "@media (max-width:600px){.hint{display:none}.controls button{"
  "min-width:0;flex:1}}\n"
  "#current{margin:.5rem 0 0;padding:.5rem .8rem;border-left:4px solid "
  "var(--accent);background:#f0f5ff;min-height:3rem}\n"
  "#current .line{font-family:ui-monospace,Menlo,Consolas,monospace;"
  "font-size:.9rem;overflow-wrap:anywhere}\n"
  ".layout{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);"
  "gap:1rem;align-items:start}\n"
  "@media (max-width:900px){.layout{grid-template-columns:minmax(0,1fr)}}\n"
  "#timeline{list-style:none;margin:0;padding:0;max-height:80vh;"
  "overflow:auto;border:1px solid var(--line);border-radius:.3rem}\n"
  "#timeline li{padding:.3rem .5rem;border-bottom:1px solid #edf2f7;"
  "cursor:pointer}\n"
  "#timeline li .line{font-family:ui-monospace,Menlo,Consolas,monospace;"
  "font-size:.85rem;overflow-wrap:anywhere}\n"
  "#timeline li .why{font-size:.9rem;color:#2d3748;margin-top:.15rem}\n"
  "#timeline li[aria-selected=true]{background:var(--here);"
  "outline:2px solid #d69e2e}\n"
  "#timeline li.done .line{color:#2d3748}\n"
  "#timeline li.todo{color:#718096}\n"
  ".state{border-collapse:collapse;margin:.3rem 0 .8rem;font-size:.9rem;"
  "width:100%}\n"
  ".state caption{text-align:left;font-weight:bold;padding:.2rem 0}\n"
  ".state th,.state td{border:1px solid var(--line);padding:.25rem .4rem;"
  "text-align:left;vertical-align:top;overflow-wrap:anywhere}\n"
  ".state thead th{background:#edf2f7;white-space:nowrap}\n"
  ".state td:nth-child(3){white-space:nowrap}\n"
  ".state td.empty{color:#a0aec0}\n"
  ".tablewrap{overflow-x:auto}\n"
  ".diagrams{display:flex;flex-wrap:wrap;gap:1rem}\n"
  ".diagrams figure{margin:0;flex:1 1 18rem;min-width:0}\n"
  "figure svg{max-width:100%;height:auto}\n"
  "figcaption{font-size:.9rem;color:var(--muted)}\n"
  ".seqwrap{max-height:80vh;overflow:auto;border:1px solid var(--line);"
  "border-radius:.3rem}\n"
  ".seqwrap svg{max-width:none;height:auto}\n"
  ".here>polygon,.here>ellipse,.here>path{stroke:#d00000;"
  "stroke-width:4px}\n"
  ".band{fill:#fff3b0;stroke:#d69e2e;stroke-width:1}\n"
  "#verdicts{list-style:none;padding:0}\n"
  "#verdicts li{margin:.3rem 0;padding:.3rem .5rem;border-left:4px solid "
  "var(--ok);background:#f0fff4}\n"
  "#verdicts li.bad{border-color:var(--bad);background:#fff5f5}\n"
  "#verdicts .badge{font-weight:bold;margin-right:.4rem}\n"
  "#verdicts li.bad .badge{color:var(--bad)}\n"
  "#verdicts li.ok .badge{color:var(--ok)}\n"
  "#verdicts button{margin-left:.4rem;font-size:.9rem;min-height:2rem}\n"
  ".detail{display:block;color:var(--muted);font-size:.9rem}\n"
  ".sr{position:absolute;left:-9999px}\n"
  ".questions{max-width:60rem}.questions li{margin:.4rem 0}"
  ".questions .q{font-weight:bold;margin:.2rem 0}\n"
  ".questions button{font-size:1rem;min-height:2.4rem;margin-right:.5rem}\n"
  ".answer{padding:.3rem .6rem;border-left:4px solid #2b6cb0;"
  "background:#f0f5ff}\n";

/* The cursor: step k shows the run after its k-th observation. Keys work
 * anywhere on the page; the timeline is a listbox whose selected option
 * is the current step. */
static const char page_script[] =
  "(function(){'use strict';\n"
  "var data=JSON.parse(document.getElementById('sessim-data').textContent);\n"
  "var n=data.n,cur=-1;\n"
  "var items=document.querySelectorAll('#timeline li');\n"
  "var snaps=document.querySelectorAll('#snaps .snap');\n"
  "var lifes=document.querySelectorAll('figure.life');\n"
  "var seq=document.querySelector('#sequence svg');\n"
  "var counter=document.getElementById('counter');\n"
  "var list=document.getElementById('timeline');\n"
  "var curLine=document.querySelector('#current .line');\n"
  "var curWhy=document.querySelector('#current .why');\n"
  "var stateWhen=document.getElementById('state-when');\n"
  "var band=null;\n"
  "function titleOf(g){var t=g.querySelector('title');"
  "return t?t.textContent:'';}\n"
  "function nodes(svg){return svg?svg.querySelectorAll('g.node'):[];}\n"
  "function mark(svg,names){nodes(svg).forEach(function(g){"
  "g.classList.toggle('here',names.indexOf(titleOf(g))>=0);});}\n"
  "function showRow(r){if(!seq)return;if(band){band.remove();band=null;}\n"
  " if(r<0)return;var names=[],y0=Infinity,y1=-Infinity;\n"
  " nodes(seq).forEach(function(g){var t=titleOf(g);\n"
  "  if(t!=='t'+r&&!(/_r\\d+$/.test(t)&&t.slice(t.lastIndexOf('_r')+2)"
  "===String(r)))return;names.push(t);var b=g.getBBox();\n"
  "  if(b.height>0){y0=Math.min(y0,b.y);y1=Math.max(y1,b.y+b.height);}});\n"
  " mark(seq,names);if(y0===Infinity)return;\n"
  " var root=seq.querySelector('g.graph'),vb=seq.viewBox.baseVal;\n"
  " band=document.createElementNS('http://www.w3.org/2000/svg','rect');"
  "band.setAttribute('class','band');\n"
  " band.setAttribute('x',-4);band.setAttribute('width',vb.width);"
  "band.setAttribute('y',y0-4);band.setAttribute('height',y1-y0+8);\n"
  " var poly=root.querySelector('polygon');"
  "root.insertBefore(band,poly?poly.nextSibling:root.firstChild);\n"
  " var wrap=seq.parentNode,box=band.getBoundingClientRect(),"
  "w=wrap.getBoundingClientRect();\n"
  " if(box.top<w.top||box.bottom>w.bottom)wrap.scrollTop+=box.top-w.top-"
  "w.height/3;}\n"
  "function go(k){k=Math.max(0,Math.min(n,k));if(k===cur)return;cur=k;\n"
  " counter.textContent='Step '+k+' of '+n;\n"
  " items.forEach(function(li,i){var s=i+1;li.setAttribute('aria-selected',"
  "s===k?'true':'false');li.classList.toggle('done',s<k);"
  "li.classList.toggle('todo',s>k);});\n"
  " if(k>0){var li=items[k-1];list.setAttribute('aria-activedescendant',"
  "li.id);var lt=li.offsetTop-list.offsetTop;\n"
  "  if(lt<list.scrollTop||lt+li.offsetHeight>list.scrollTop+"
  "list.clientHeight)list.scrollTop=lt-list.clientHeight/3;\n"
  "  curLine.textContent=li.querySelector('.line').textContent;"
  "var w=li.querySelector('.why');curWhy.textContent=w?w.textContent:'';}\n"
  " else{list.removeAttribute('aria-activedescendant');"
  "curLine.textContent='The start: nothing has happened yet.';"
  "curWhy.textContent='';}\n"
  " var s=data.snap[k];snaps.forEach(function(d,i){d.hidden=(i!==s);});\n"
  " stateWhen.textContent=snaps[s]?snaps[s].getAttribute('data-when'):'';\n"
  " var rows=snaps[s]?snaps[s].querySelectorAll('tr[data-phase]'):[];\n"
  " lifes.forEach(function(f){var i=+f.getAttribute('data-session');"
  "mark(f.querySelector('svg'),rows[i]?[rows[i].getAttribute('data-phase')]"
  ":[]);});\n"
  " showRow(data.row[k]);\n"
  " document.getElementById('first').disabled=k===0;"
  "document.getElementById('prev').disabled=k===0;\n"
  " document.getElementById('next').disabled=k===n;"
  "document.getElementById('last').disabled=k===n;\n"
  " if(history.replaceState)history.replaceState(null,'','#step='+k);}\n"
  "document.getElementById('first').onclick=function(){go(0);};\n"
  "document.getElementById('prev').onclick=function(){go(cur-1);};\n"
  "document.getElementById('next').onclick=function(){go(cur+1);};\n"
  "document.getElementById('last').onclick=function(){go(n);};\n"
  "items.forEach(function(li,i){li.onclick=function(){go(i+1);};});\n"
  "document.querySelectorAll('[data-goto]').forEach(function(b){"
  "b.onclick=function(){go(+b.getAttribute('data-goto'));list.focus();};});\n"
  "document.querySelectorAll('button.reveal').forEach(function(b){"
  "b.onclick=function(){var a=document.getElementById("
  "b.getAttribute('aria-controls'));var open=a.hidden;a.hidden=!open;"
  "b.setAttribute('aria-expanded',open?'true':'false');"
  "b.textContent=open?'Hide the answer':'Show the answer';};});\n"
  "document.addEventListener('keydown',function(e){"
  "if(e.altKey||e.ctrlKey||e.metaKey)return;var k=null;\n"
  " switch(e.key){case 'ArrowRight':case 'ArrowDown':k=cur+1;break;"
  "case 'ArrowLeft':case 'ArrowUp':k=cur-1;break;\n"
  " case 'Home':k=0;break;case 'End':k=n;break;case 'PageDown':k=cur+10;"
  "break;case 'PageUp':k=cur-10;break;default:return;}\n"
  " e.preventDefault();go(k);});\n"
  "var m=/^#step=(\\d+)$/.exec(location.hash);go(m?+m[1]:0);\n"
  "document.documentElement.setAttribute('data-ready','1');\n"
  "})();\n";

/* The scenario's questions, each answer hidden behind a button, with the
 * step that shows it when the question names a time. */
static void
append_questions (GString *out, const SesHtmlReport *r)
{
  if (r->questions == NULL || r->questions->len == 0)
    return;
  const GArray *log = ses_mqtt_log (r->mqtt);
  g_string_append (out, "<section class=\"questions\" aria-labelledby=\"q-h\">"
                   "<h2 id=\"q-h\">Questions for you</h2><ol>");
  for (guint i = 0; i < r->questions->len; i++)
    {
      const SesQuestion *q = &g_array_index (r->questions, SesQuestion, i);
      g_string_append (out, "<li><p class=\"q\">");
      esc (out, q->question);
      g_string_append_printf (out, "</p><button type=\"button\" "
                              "class=\"reveal\" aria-expanded=\"false\" "
                              "aria-controls=\"answer-%u\">Show the answer"
                              "</button><div class=\"answer\" "
                              "id=\"answer-%u\" hidden><p>", i + 1, i + 1);
      esc (out, q->answer);
      g_string_append (out, "</p>");
      if (q->at_us != SES_TIME_NONE)
        {
          guint step = 0;
          while (step < log->len
                 && g_array_index (log, SesObs, step).time_us <= q->at_us)
            step++;
          g_autofree char *when = ses_time_format (q->at_us);
          g_string_append_printf (out, "<button type=\"button\" "
                                  "data-goto=\"%u\" aria-label=\"Go to step "
                                  "%u, the run at %s\">See it at %s (step "
                                  "%u)</button>", step, step, when, when,
                                  step);
        }
      g_string_append (out, "</div></li>");
    }
  g_string_append (out, "</ol></section>");
}

static void
append_verdicts (GString *out, const GArray *verdicts, guint n)
{
  g_string_append (out, "<section aria-labelledby=\"verdicts-h\"><h2 "
                   "id=\"verdicts-h\">Verdicts</h2><ul id=\"verdicts\">");
  for (guint i = 0; verdicts != NULL && i < verdicts->len; i++)
    {
      const SesHtmlVerdict *v = &g_array_index (verdicts, SesHtmlVerdict, i);
      guint step = MIN (v->step, n);
      g_string_append_printf (out, "<li class=\"%s\"><span class=\"badge\">"
                              "%s</span>", v->ok ? "ok" : "bad",
                              v->ok ? "held" : "FAILED");
      esc (out, v->text);
      g_string_append_printf (out, "<button type=\"button\" data-goto=\"%u\" "
                              "aria-label=\"Go to step %u, where this was "
                              "decided\">step %u</button>", step, step, step);
      if (v->detail != NULL)
        {
          g_string_append (out, "<span class=\"detail\">");
          esc (out, v->detail);
          g_string_append (out, "</span>");
        }
      g_string_append (out, "</li>");
    }
  if (verdicts == NULL || verdicts->len == 0)
    g_string_append (out, "<li class=\"ok\">No expectations or invariants "
                     "to report.</li>");
  g_string_append (out, "</ul></section>");
}

char *
ses_htmlreport_render (const SesHtmlReport *r)
{
  SesMqttConfig *cfg = ses_mqtt_config (r->mqtt);
  const GArray *log = ses_mqtt_log (r->mqtt);
  guint n = log->len;
  const GPtrArray *snaps = ses_snapshots_list (r->snaps);
  GString *out = g_string_new (NULL);

  g_string_append (out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
                   "<meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, "
                   "initial-scale=1\"><title>");
  esc (out, r->title);
  g_string_append_printf (out, " - sessim report</title><style>\n%s</style>"
                          "</head>\n<body>\n<header><h1>", style);
  esc (out, r->title);
  g_string_append (out, "</h1><p class=\"meta\">");
  esc (out, r->kind);
  g_string_append (out, ": ");
  esc (out, r->meta);
  g_string_append_printf (out, " &middot; <span class=\"status %s\">%s</span>"
                          "</p>", r->passed ? "ok" : "bad",
                          r->passed ? "all verdicts held" : "verdicts failed");
  if (r->teaches != NULL && r->teaches[0] != '\0')
    {
      /* The scenario's `teaches` lines are one text broken for the file. */
      g_auto (GStrv) lines = g_strsplit (r->teaches, "\n", -1);
      g_autofree char *joined = g_strjoinv (" ", lines);
      g_string_append (out, "<p class=\"teaches\">");
      esc (out, g_strstrip (joined));
      g_string_append (out, "</p>");
    }
  append_questions (out, r);
  g_string_append (out, "</header>\n");

  g_string_append_printf (
      out,
      "<nav class=\"controls\" aria-label=\"Step through the run\">"
      "<button type=\"button\" id=\"first\" aria-label=\"First step "
      "(Home)\">First</button>"
      "<button type=\"button\" id=\"prev\" aria-label=\"Previous step (left "
      "arrow)\">Back</button>"
      "<span id=\"counter\" role=\"status\" aria-live=\"polite\">Step 0 of "
      "%u</span>"
      "<button type=\"button\" id=\"next\" aria-label=\"Next step (right "
      "arrow)\">Next</button>"
      "<button type=\"button\" id=\"last\" aria-label=\"Last step "
      "(End)\">Last</button>"
      "<span class=\"hint\">Arrow keys step; Home and End jump; Page Up and "
      "Page Down move by ten.</span></nav>\n", n);

  g_string_append (out, "<main>\n<div id=\"current\" aria-live=\"polite\">"
                   "<div class=\"line\"></div><div class=\"why\"></div>"
                   "</div>\n<div class=\"layout\">\n<section aria-labelledby="
                   "\"timeline-h\"><h2 id=\"timeline-h\">Timeline</h2>"
                   "<ol id=\"timeline\" role=\"listbox\" tabindex=\"0\" "
                   "aria-label=\"Timeline: arrow keys move through the "
                   "steps\">");
  for (guint i = 0; i < n; i++)
    {
      const SesObs *o = &g_array_index (log, SesObs, i);
      g_autofree char *line = ses_obs_describe (o, ses_mqtt_config_strings (cfg),
                                                ses_mqtt_config_labels (cfg));
      g_string_append_printf (out, "<li role=\"option\" id=\"step-%u\" "
                              "aria-selected=\"false\"><div class=\"line\">"
                              "<span class=\"sr\">Step %u: </span>", i + 1,
                              i + 1);
      esc (out, line);
      g_string_append (out, "</div>");
      const char *why = r->explain != NULL && i < r->explain->len
                          ? g_ptr_array_index (r->explain, i) : NULL;
      if (why != NULL)
        {
          g_string_append (out, "<div class=\"why\">");
          esc (out, why);
          g_string_append (out, "</div>");
        }
      g_string_append (out, "</li>\n");
    }
  g_string_append (out, "</ol></section>\n<div>\n");

  g_string_append (out, "<section aria-labelledby=\"state-h\"><h2 "
                   "id=\"state-h\">What each side holds <span "
                   "id=\"state-when\"></span></h2><div id=\"snaps\" "
                   "class=\"tablewrap\">");
  for (guint k = 0; k < snaps->len; k++)
    {
      const SesSnapshot *s = g_ptr_array_index (snaps, k);
      g_autofree char *when = ses_time_format (s->time_us);
      g_autofree char *html = ses_snapshot_to_html (s);
      g_autofree char *body = g_markup_escape_text (
          ses_snapshot_body_json (s), -1);
      g_string_append_printf (out, "<div class=\"snap\" id=\"snap-%u\" "
                              "data-when=\"at %s (after %u events)\" "
                              "data-body=\"%s\"%s>%s</div>\n", k, when,
                              s->after, body, k == 0 ? "" : " hidden", html);
    }
  g_string_append (out, "</div></section>\n");

  if (r->lifecycle_svgs != NULL && r->lifecycle_svgs->len > 0)
    {
      g_string_append (out, "<section aria-labelledby=\"life-h\"><h2 "
                       "id=\"life-h\">Session lifecycles (the current state "
                       "is outlined in red)</h2><div class=\"diagrams\">");
      for (guint i = 0; i < r->lifecycle_svgs->len; i++)
        {
          g_autofree char *prefix = g_strdup_printf ("life%u-", i);
          g_autofree char *svg = ses_htmlreport_inline_svg (
              g_ptr_array_index (r->lifecycle_svgs, i), prefix);
          const SesSnapshot *first = snaps->len ? g_ptr_array_index (snaps, 0)
                                                : NULL;
          const SesSnapSession *ss = first != NULL && i < first->sessions->len
              ? &g_array_index (first->sessions, SesSnapSession, i) : NULL;
          g_string_append_printf (out, "<figure class=\"life\" "
                                  "data-session=\"%u\" role=\"group\" "
                                  "aria-label=\"Lifecycle of session ", i);
          esc (out, ss != NULL ? ss->client_id : "");
          g_string_append (out, "\">");
          g_string_append (out, svg);
          g_string_append (out, "<figcaption>ClientId ");
          esc (out, ss != NULL ? ss->client_id : "");
          g_string_append (out, " (");
          esc (out, ss != NULL ? ss->clients : "");
          g_string_append (out, ")</figcaption></figure>");
        }
      g_string_append (out, "</div></section>\n");
    }

  if (r->sequence_svg != NULL)
    {
      g_autofree char *svg = ses_htmlreport_inline_svg (r->sequence_svg,
                                                        "seq-");
      g_string_append (out, "<section aria-labelledby=\"seq-h\"><h2 "
                       "id=\"seq-h\">Message sequence (the current step is "
                       "highlighted)</h2><figure id=\"sequence\" "
                       "class=\"seqwrap\" role=\"group\" aria-label=\"Message "
                       "sequence diagram\">");
      g_string_append (out, svg);
      g_string_append (out, "</figure></section>\n");
    }
  append_verdicts (out, r->verdicts, n);
  g_string_append (out, "</div>\n</div>\n</main>\n");

  /* Per step: the snapshot that shows the state after it, and the
   * sequence row that draws it (the last row at or before it). */
  g_string_append_printf (out, "<script type=\"application/json\" "
                          "id=\"sessim-data\">{\"n\":%u,\"snap\":[", n);
  /* Lookup only: which index a snapshot has in the list. */
  g_autoptr (GHashTable) index_of = g_hash_table_new (NULL, NULL);
  for (guint j = 0; j < snaps->len; j++)
    g_hash_table_insert (index_of, g_ptr_array_index (snaps, j),
                         GUINT_TO_POINTER (j));
  for (guint k = 0; k <= n; k++)
    {
      const SesSnapshot *s = k == 0 ? ses_snapshots_before (r->snaps, 0)
                                    : ses_snapshots_after_step (r->snaps,
                                                                k - 1);
      guint idx = s != NULL ? GPOINTER_TO_UINT (g_hash_table_lookup (
                                  index_of, s))
                            : 0;
      g_string_append_printf (out, "%s%u", k ? "," : "", idx);
    }
  g_string_append (out, "],\"row\":[");
  guint row = 0;
  gint current = -1;
  for (guint k = 0; k <= n; k++)
    {
      const GArray *rows = r->sequence_rows;
      while (k > 0 && rows != NULL && row < rows->len
             && g_array_index (rows, guint, row) <= k - 1)
        current = (gint) row++;
      g_string_append_printf (out, "%s%d", k ? "," : "", current);
    }
  g_string_append (out, "]}</script>\n<script>\n");
  g_string_append (out, page_script);
  g_string_append (out, "</script>\n</body></html>\n");
  return g_string_free (out, FALSE);
}

static char *
svg_of (const char *dot, GError **error)
{
  g_autoptr (GBytes) bytes = ses_render_to_bytes (dot, "svg", error);
  if (bytes == NULL)
    return NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  return g_strndup (data, len);
}

char *
ses_htmlreport_build (SesHtmlReport *report, const SesDiagramMark *mark,
                      GError **error)
{
  SesMqtt *mqtt = report->mqtt;
  g_autofree char *seq_dot = ses_diagram_sequence_dot (mqtt, mark);
  g_autofree char *seq = svg_of (seq_dot, error);
  if (seq == NULL)
    return NULL;
  g_autoptr (GArray) rows = ses_diagram_sequence_rows (mqtt, mark);
  g_autoptr (GPtrArray) lifes = g_ptr_array_new_with_free_func (g_free);
  guint32 n = ses_mqtt_config_n_sessions (ses_mqtt_config (mqtt));
  for (guint32 i = 0; i < n; i++)
    {
      g_autofree char *dot = ses_diagram_lifecycle_dot (mqtt, i);
      char *svg = svg_of (dot, error);
      if (svg == NULL)
        return NULL;
      g_ptr_array_add (lifes, svg);
    }
  report->sequence_svg = seq;
  report->sequence_rows = rows;
  report->lifecycle_svgs = lifes;
  char *html = ses_htmlreport_render (report);
  report->sequence_svg = NULL;
  report->sequence_rows = NULL;
  report->lifecycle_svgs = NULL;
  return html;
}

void
ses_html_verdicts_add_expectations (GArray *verdicts, const SesScript *script,
                                    SesMqtt *mqtt, const char *source)
{
  g_auto (GStrv) lines = source != NULL ? g_strsplit (source, "\n", -1)
                                        : NULL;
  guint n_lines = lines != NULL ? g_strv_length (lines) : 0;
  g_autoptr (GArray) found = ses_expect_verdicts (script, mqtt);
  for (guint i = 0; i < found->len; i++)
    {
      const SesExpectVerdict *e = &g_array_index (found, SesExpectVerdict, i);
      SesHtmlVerdict v = { .ok = e->failure == NULL, .step = e->step };
      if (e->line >= 1 && e->line <= n_lines)
        v.text = g_strdup_printf ("line %u: %s", e->line,
                                  g_strstrip (lines[e->line - 1]));
      else
        v.text = g_strdup_printf ("expectation on line %u", e->line);
      v.detail = g_strdup (e->failure);
      g_array_append_val (verdicts, v);
    }
}

void
ses_html_verdicts_add_invariant (GArray *verdicts, const char *name,
                                 gboolean expected, guint64 obs_index,
                                 const char *rule, const char *message)
{
  gboolean broken = obs_index != G_MAXUINT64;
  SesHtmlVerdict v = {
    .ok = broken == expected,
    .step = broken ? (guint) MIN (obs_index + 1, (guint64) G_MAXUINT) : 0,
  };
  if (broken)
    v.text = g_strdup_printf ("invariant %s broken%s%s%s%s", name,
                              rule != NULL ? " (" : "",
                              rule != NULL ? rule : "",
                              rule != NULL ? ")" : "",
                              expected ? ", as the scenario expects" : "");
  else
    v.text = g_strdup_printf ("invariant %s was expected to break but held",
                              name);
  v.detail = g_strdup (message);
  if (!broken)
    v.step = G_MAXUINT;
  g_array_append_val (verdicts, v);
}
