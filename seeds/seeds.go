// Package seeds holds travelbot's default FAQ, compiled into the binary so
// the bot runs with no files at all.
package seeds

import _ "embed"

// Name is how the embedded FAQ is named in problems and logs.
const Name = "seeds/faq.yaml"

// FAQ is the default FAQ's YAML.
//
//go:embed faq.yaml
var FAQ []byte

// Cases is the default FAQ's regression questions (see cases.yaml).
//
//go:embed cases.yaml
var Cases []byte
