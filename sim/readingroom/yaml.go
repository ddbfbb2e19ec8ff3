package readingroom

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// MarshalYAMLFile writes the scenario as a YAML file ParseScenario reads back,
// compactly: lists of numbers, kinds of study, algorithms and shifts each
// on one line.
func (sc *Scenario) MarshalYAMLFile(comment string) ([]byte, error) {
	var n yaml.Node
	if err := n.Encode(sc); err != nil {
		return nil, fmt.Errorf("encode scenario: %w", err)
	}
	compact(&n, false)
	n.HeadComment = comment
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, fmt.Errorf("encode scenario: %w", err)
	}
	return b.Bytes(), enc.Close()
}

// compact puts on one line every list of scalars, or of up to three
// one-line mappings; and every mapping that is an item of a list (inList)
// or holds only scalars, unless it holds something on several lines.
func compact(n *yaml.Node, inList bool) {
	for _, c := range n.Content {
		compact(c, n.Kind == yaml.SequenceNode)
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode && (c.Style != yaml.FlowStyle || len(n.Content) > 3) {
				return
			}
		}
		n.Style = yaml.FlowStyle
	case yaml.MappingNode:
		scalars := true
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode && c.Style != yaml.FlowStyle {
				return
			}
			scalars = scalars && c.Kind == yaml.ScalarNode
		}
		if inList || scalars {
			n.Style = yaml.FlowStyle
		}
	}
}
