/* `sessim list variants|invariants|examples`: the registries, one line
 * each, in their fixed order. */
#include "sessim-config.h"

#include <glib.h>
#include <string.h>

#include "common.h"
#include "variant.h"

int
cli_list (int argc, char **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "variants|invariants|examples - list the deliberately wrong variants, "
      "the invariants or the built-in examples");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int status = EXIT_OK;
  if (!cli_parse_options (ctx, "list", &argc, &argv, &status))
    return status;
  if (argc == 2 && strcmp (argv[1], "variants") == 0)
    {
      for (guint i = 0; i < SES_VARIANT_COUNT; i++)
        {
          const SesVariantInfo *v = ses_variant_info ((SesVariant) i);
          g_print ("%-28s %-6s %s Breaks %s; caught by %s.\n", v->name,
                   v->client_side ? "client" : "broker", v->summary, v->rule,
                   v->caught_by);
        }
      return EXIT_OK;
    }
  if (argc == 2 && strcmp (argv[1], "invariants") == 0)
    {
      for (guint i = 0; i < SES_INV_COUNT; i++)
        g_print ("%-20s %s\n", ses_invariant_name ((SesInvariantId) i),
                 ses_invariant_summary ((SesInvariantId) i));
      return EXIT_OK;
    }
  if (argc == 2 && strcmp (argv[1], "examples") == 0)
    {
      cli_print_examples ();
      return EXIT_OK;
    }
  return cli_usage_error ("name what to list: variants, invariants or "
                          "examples");
}
