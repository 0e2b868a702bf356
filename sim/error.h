/* The error domain for bad input (scenario files, command lines, trails).
 * Protocol violations are results, never errors; programmer errors assert. */
#pragma once

#include <glib.h>

#define SES_ERROR (ses_error_quark ())
GQuark ses_error_quark (void);

typedef enum {
  SES_ERROR_INVALID,   /* a value out of range or of the wrong kind */
  SES_ERROR_PARSE,     /* text that does not follow the grammar */
  SES_ERROR_IO,        /* a file that cannot be read or written */
  SES_ERROR_UNSUPPORTED,
} SesErrorCode;
