/* md.h: text made safe for Markdown and for the HTML a Markdown renderer lets through (GitLab,
 * GitHub, Confluence): the one escaper every Markdown writer uses. Control characters and invalid
 * UTF-8 are replaced first (lib/text.h), so the output is safe on a terminal too. */
#ifndef LIB_MD_H
#define LIB_MD_H

#define MD_CELL 1 /* the text sits in a table cell: '|' is escaped as well */

/* Plain text: Markdown punctuation backslash-escaped, '<', '>' and '&' as HTML entities, so no
 * link, image, emphasis or tag can form. Caller frees. */
char *md_text(const char *s, int flags);
/* An inline code span holding s literally: fenced with one backtick more than the longest run of
 * backticks inside, padded with spaces when needed. Caller frees. */
char *md_code(const char *s, int flags);
/* A fenced code block holding text literally (control characters replaced, newlines kept), with
 * the info string (NULL for none) after the opening fence. The fence is one backtick longer than
 * any run inside (at least 3), so no line of text can close it early. Ends with a newline. Caller
 * frees. */
char *md_fenced(const char *text, const char *info);

#endif
