/* kube_yaml.c: a kubeconfig in YAML turned into JSON text, so one reader serves both it and
 * `kubectl config view -o json`.
 *
 * libyaml is loaded when first needed (dlopen), not linked: it is only wanted when kubectl is not
 * installed, the build needs no yaml-0.1 link flags, and a machine without libyaml still runs
 * everything else, failing only here with a message that says so. */
#include "fetch/kube.h"

#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>
#include <yaml.h>

#include "lib/xmalloc.h"

static struct {
	int (*parser_initialize)(yaml_parser_t *);
	void (*parser_set_input_string)(yaml_parser_t *, const unsigned char *, size_t);
	int (*parser_load)(yaml_parser_t *, yaml_document_t *);
	void (*parser_delete)(yaml_parser_t *);
	yaml_node_t *(*document_get_root_node)(yaml_document_t *);
	yaml_node_t *(*document_get_node)(yaml_document_t *, int);
	void (*document_delete)(yaml_document_t *);
	int ok;
} y;
static pthread_once_t y_once = PTHREAD_ONCE_INIT;

#define Y_SYM(name) (*(void **)&y.name = dlsym(lib, "yaml_" #name)) != NULL

static void y_load(void)
{
	void *lib = dlopen("libyaml-0.so.2", RTLD_NOW | RTLD_LOCAL);

	if (!lib)
		lib = dlopen("libyaml.so", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return;
	y.ok = Y_SYM(parser_initialize) && Y_SYM(parser_set_input_string) && Y_SYM(parser_load) &&
	       Y_SYM(parser_delete) && Y_SYM(document_get_root_node) && Y_SYM(document_get_node) &&
	       Y_SYM(document_delete);
}

#define YAML_MAX_DEPTH 64
/* Nodes converted, aliases counted each time they are followed: a few lines of nested aliases
 * ("billion laughs") would otherwise expand into billions of nodes. */
#define YAML_MAX_NODES 100000

static cJSON *convert(yaml_document_t *doc, yaml_node_t *node, int depth, long *budget)
{
	cJSON *out;

	if (!node || depth > YAML_MAX_DEPTH || --*budget < 0)
		return NULL;
	switch (node->type) {
	case YAML_SCALAR_NODE:
		return cJSON_CreateString((const char *)node->data.scalar.value);
	case YAML_SEQUENCE_NODE: {
		yaml_node_item_t *it;

		out = cJSON_CreateArray();
		for (it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
			cJSON *v = convert(doc, y.document_get_node(doc, *it), depth + 1, budget);

			if (!v) {
				cJSON_Delete(out);
				return NULL;
			}
			cJSON_AddItemToArray(out, v);
		}
		return out;
	}
	case YAML_MAPPING_NODE: {
		yaml_node_pair_t *pr;

		out = cJSON_CreateObject();
		for (pr = node->data.mapping.pairs.start; pr < node->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = y.document_get_node(doc, pr->key);
			cJSON *v;

			if (!k || k->type != YAML_SCALAR_NODE)
				continue; /* complex keys do not occur in kubeconfigs */
			v = convert(doc, y.document_get_node(doc, pr->value), depth + 1, budget);
			if (!v) {
				cJSON_Delete(out);
				return NULL;
			}
			cJSON_AddItemToObject(out, (const char *)k->data.scalar.value, v);
		}
		return out;
	}
	default:
		return NULL;
	}
}

char *kube_yaml_to_json(const char *text, size_t n, struct err *e)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	cJSON *tree;
	char *json, *copy;
	long budget = YAML_MAX_NODES;

	pthread_once(&y_once, y_load);
	if (!y.ok) {
		err_set(e, "reading a kubeconfig needs kubectl on PATH or libyaml (libyaml-0-2): neither is installed");
		return NULL;
	}
	if (!y.parser_initialize(&parser)) {
		err_set(e, "kubeconfig: cannot start the YAML parser");
		return NULL;
	}
	y.parser_set_input_string(&parser, (const unsigned char *)text, n);
	if (!y.parser_load(&parser, &doc)) {
		err_set(e, "kubeconfig: YAML error at line %lu: %.120s", (unsigned long)parser.problem_mark.line + 1,
			parser.problem ? parser.problem : "malformed");
		y.parser_delete(&parser);
		return NULL;
	}
	root = y.document_get_root_node(&doc);
	tree = root ? convert(&doc, root, 0, &budget) : NULL;
	y.document_delete(&doc);
	y.parser_delete(&parser);
	if (!tree && budget < 0) {
		err_set(e, "kubeconfig: more than %d YAML nodes (aliases expanded): not a kubeconfig", YAML_MAX_NODES);
		return NULL;
	}
	if (!tree) {
		err_set(e, "kubeconfig: empty or not a YAML mapping");
		return NULL;
	}
	json = cJSON_PrintUnformatted(tree);
	cJSON_Delete(tree);
	if (!json)
		fatal("out of memory");
	copy = xstrdup(json);
	explicit_bzero(json, strlen(json));
	cJSON_free(json);
	return copy;
}
