package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// keys lists every configuration key as docs/configuration.md names it:
// dotted paths, list items as [].
func keys(t reflect.Type, prefix string, out *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && t != reflect.TypeOf(Duration(0)):
		for name, f := range yamlFields(t) {
			key := join(prefix, name)
			*out = append(*out, key)
			keys(f.Type, key, out)
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		keys(t.Elem(), prefix+"[]", out)
	}
}

func TestEveryKeyIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	keys(reflect.TypeOf(Config{}), "", &all)
	if len(all) < 30 {
		t.Fatalf("found only %d keys: %v", len(all), all)
	}
	for _, k := range all {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/configuration.md does not document `%s`", k)
		}
	}
}
