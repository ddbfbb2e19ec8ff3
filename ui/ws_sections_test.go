package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/worklist"
)

// TestResidentFeedNamesOnlyTheirStudies: a resident's live feed carries
// nothing of a study outside their sections, not even its accession
// number in a removal, while the removals of their own rows still come,
// also of a row whose study moved to another section.
func TestResidentFeedNamesOnlyTheirStudies(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.seed() // W1 CT thorax-abdomen, W2 X-hand (ZHWEST), E1 CT hersenen (ZHOOST)
	e.apply(wsOrder("ZHOOST", "E2", "CT", "CTHEAD", "CT hersenen", "E"))
	e.addAccount("visser", []access.Role{access.Resident}, "neuro")
	b := e.browser()
	b.signIn("visser")
	// A since is ignored: the feed starts with a snapshot.
	c, err := b.wsDial("since=ZHWEST:0-0,ZHOOST:0-0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, first, err := c.ReadMessage()
	if err != nil || !strings.Contains(string(first), `"type":"snapshot"`) {
		t.Fatalf("first message %.200s, %v; want a snapshot", first, err)
	}

	e.apply(wsAIResult("ZHWEST", "W1", "r-1")) // another section's study changes
	e.apply(wsFinal("ZHWEST", "W2"))           // another section's study leaves the list
	moved := wsOrder("ZHOOST", "E2", "CT", "CTTHOR", "CT thorax", "E")
	moved.Kind, moved.Source, moved.At = worklist.OrderChanged, "HIS|ZHOOST|E2-XO", moved.At.Add(time.Minute)
	e.apply(moved)                   // their study moves to another section
	e.apply(wsFinal("ZHOOST", "E1")) // their study is reported

	var got []string
	for len(got) < 2 {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, msg, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		m := string(msg)
		if strings.Contains(m, `"W1"`) || strings.Contains(m, `"W2"`) {
			t.Errorf("the resident's feed names a study of another section: %.300s", m)
		}
		for _, acc := range []string{"E1", "E2"} {
			if strings.Contains(m, `"type":"remove"`) && strings.Contains(m, `"accession":"`+acc+`"`) {
				got = append(got, acc)
			}
		}
	}
	if strings.Join(got, " ") != "E2 E1" {
		t.Errorf("removals %v, want E2 (moved out of neuro) then E1 (reported)", got)
	}
}
