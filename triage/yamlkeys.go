// The rules file is read strictly: every key, shape and repetition checked
// against the struct it decodes into, with errors that name the rule.

package triage

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// checkKeys walks the YAML tree n, which is to be decoded into a value of
// type t, and reports the first key that t has no field for, value of the
// wrong shape, repeated key, or alias (rules files have no use for them, and
// refusing them keeps a hostile file from expanding). where names the rule or
// part that holds n, key the key n is the value of.
func checkKeys(n *yaml.Node, t reflect.Type, where, key string) error {
	switch {
	case n.Kind == yaml.DocumentNode:
		for _, c := range n.Content {
			if err := checkKeys(c, t, where, key); err != nil {
				return err
			}
		}
		return nil
	case n.Kind == yaml.AliasNode:
		return errorAt(n, join(where, key), "aliases (*%s) are not supported", n.Value)
	case n.Tag == "!!null":
		return nil
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return errorAt(n, join(where, key), "want keys and values (%s)", fieldNames(t))
		}
		where = describe(t, n, where, key)
		seen := make(map[string]int, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			f, ok := field(t, k.Value)
			if !ok {
				return errorAt(k, where, "unknown key %q (want %s)", k.Value, fieldNames(t))
			}
			if line, dup := seen[k.Value]; dup {
				return errorAt(k, where, "%s given twice (first at line %d)", k.Value, line)
			}
			seen[k.Value] = k.Line
			if err := checkKeys(v, f.Type, where, k.Value); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
				return checkKeys(n, t.Elem(), where, key) // one value for a list
			}
			return errorAt(n, join(where, key), "want a list")
		}
		for _, c := range n.Content {
			if err := checkKeys(c, t.Elem(), where, key); err != nil {
				return err
			}
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return errorAt(n, join(where, key), "want a single value")
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			return errorAt(n, join(where, key), "want true or false, not %s", quote(n))
		}
	case reflect.Float64:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!float" && n.ShortTag() != "!!int" {
			return errorAt(n, join(where, key), "want a number, not %s", quote(n))
		}
	}
	return nil
}

// describe names the part of a rules file that a mapping n of type t is:
// `rule "stat"`, `algorithm "aidoc-pe": finding "PE"`, `rule "stat": when`.
func describe(t reflect.Type, n *yaml.Node, where, key string) string {
	named := func(noun, key string) string {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
				return noun + " " + strconv.Quote(n.Content[i+1].Value)
			}
		}
		return noun
	}
	switch t {
	case reflect.TypeFor[ruleFile]():
		return named("rule", "name")
	case reflect.TypeFor[algorithmFile]():
		return named("algorithm", "id")
	case reflect.TypeFor[conceptFile]():
		return named("concept", "id")
	case reflect.TypeFor[escalationFile]():
		return named("escalation", "name")
	case reflect.TypeFor[findingFile]():
		return join(where, named("finding", "code"))
	}
	return join(where, key)
}

// field returns the field of struct type t that the YAML key name decodes into.
func field(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && yamlName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// fieldNames lists the YAML keys of struct type t: "a, b or c".
func fieldNames(t reflect.Type) string {
	var names []string
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() {
			names = append(names, yamlName(f))
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

func quote(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return "a " + strings.TrimPrefix(n.ShortTag(), "!!")
	}
	return strconv.Quote(n.Value)
}

func join(where, key string) string {
	if where == "" || key == "" {
		return where + key
	}
	return where + ": " + key
}

func errorAt(n *yaml.Node, where, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if where != "" {
		msg = where + ": " + msg
	}
	return fmt.Errorf("line %d: %s", n.Line, msg)
}

// problems collects what is wrong in a rules file, to report it all at once.
