package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/voorrang/voorrang/worklist"
)

// Four 15 MiB junk frames once grew Redis by 168 MB, and one page of dead
// letters took the service from 38 MB to 1 GB: a dead letter keeps the head
// of a large message, and a page stops at about a megabyte.
func TestDeadLettersCappedAndPagedByBytes(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	junk := strings.Repeat("\x01\x02JUNK\x7f", 15<<20/7) // 15 MiB
	for i := range 4 {
		if err := s.AddDeadLetter(ctx, worklist.DeadLetter{Code: "AR", Reason: fmt.Sprint("junk ", i), Message: junk}); err != nil {
			t.Fatal(err)
		}
	}
	small := "MSH|^~\\&|RIS|ZHWEST|||20261123||ORM^O01|1|P|2.5\rPID|1||123"
	for i := range 30 {
		if err := s.AddDeadLetter(ctx, worklist.DeadLetter{Code: "AR", Reason: fmt.Sprint("small ", i), Message: small}); err != nil {
			t.Fatal(err)
		}
	}
	mem, err := s.rdb.MemoryUsage(ctx, s.keys.deadLetters()).Result()
	if err != nil {
		t.Fatal(err)
	}
	if mem > 2<<20 {
		t.Errorf("the dead letters take %d bytes of Redis, want under 2 MiB for 4 heads of 64 KiB and 30 small ones", mem)
	}

	// The small ones come first (newest first), whole.
	got, total, err := s.DeadLetters(ctx, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	if total != 34 {
		t.Errorf("total %d, want 34", total)
	}
	if len(got) != 34 {
		t.Fatalf("%d on the first page, want all 34 (4 heads of 64 KiB fit in a megabyte)", len(got))
	}
	if got[0].Reason != "small 29" || got[0].Message != small || got[0].Truncated || got[0].Size != len(small) {
		t.Errorf("newest %+v, want small 29, whole", got[0])
	}
	j := got[33]
	sum := sha256.Sum256([]byte(junk))
	if !j.Truncated || j.Size != len(junk) || j.SHA256 != hex.EncodeToString(sum[:]) ||
		len(j.Message) > worklist.MaxDeadLetterHead || !strings.HasPrefix(junk, j.Message) {
		t.Errorf("oldest: truncated %v, size %d, %d bytes kept; want the head of a %d-byte message and its hash",
			j.Truncated, j.Size, len(j.Message), len(junk))
	}

	// A page stops at about a megabyte of messages, and never returns none.
	big := strings.Repeat("OBX|1|ED|PDF^Base64^", 3000) // 60 KB, under the cap
	for range 40 {
		if err := s.AddDeadLetter(ctx, worklist.DeadLetter{Code: "AE", Reason: "store down", Message: big}); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err = s.DeadLetters(ctx, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	bytes := 0
	for _, d := range got {
		bytes += len(d.Message)
	}
	if len(got) == 0 || len(got) >= 40 || bytes > 1<<20 {
		t.Errorf("a page of %d letters, %d bytes of messages; want fewer than 40 and at most a megabyte", len(got), bytes)
	}
	next, _, err := s.DeadLetters(ctx, len(got), 500)
	if err != nil || len(next) == 0 {
		t.Errorf("the next page: %d letters, %v", len(next), err)
	}
}

func TestDeadLetterCappedAtCharacter(t *testing.T) {
	msg := strings.Repeat("a", worklist.MaxDeadLetterHead-1) + "é and more"
	d := worklist.DeadLetter{Message: msg}.Capped()
	if !d.Truncated || len(d.Message) != worklist.MaxDeadLetterHead-1 {
		t.Errorf("kept %d bytes, want %d: not inside the two bytes of é", len(d.Message), worklist.MaxDeadLetterHead-1)
	}
	again := d.Capped()
	if again.Size != len(msg) {
		t.Errorf("capping twice changed the size to %d", again.Size)
	}
}
