package tracefile

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// ParseRawEvent must accept and refuse exactly what ParseEvent does, and
// agree with it on every field.
func TestParseRawEventAgreesWithParseEvent(t *testing.T) {
	lines := []string{
		connectLine, refusedLine, socketLine,
		`{"type":"close","timestamp_usec":5,"return_value":0,"success":true,"thread_id":1,"fake_call":false}`,
		`{"type":"close","timestamp_usec":5,"return_value":0,"success":true,"thread_id":1,"fake_call":false,"details":null}`,
		`{"type":"x\"y","timestamp_usec":5,"return_value":0,"success":true,"thread_id":1,"fake_call":false,"extra":[1,{"a":"}"}],"details":{"s":"{[\""}}`,
		`  {"fake_call":true,"details":{},"thread_id":-3,"success":true,"return_value":-1,"timestamp_usec":0,"type":"ghost_socket"}  `,
		`{"type":"close","timestamp_usec":5,"return_value":0,"success":true,"thread_id":1}`,
		`{"type":"","timestamp_usec":5,"return_value":0,"success":true,"thread_id":1,"fake_call":false}`,
		`{"type":"close","timestamp_usec":5.5,"return_value":0,"success":true,"thread_id":1,"fake_call":false}`,
		`{"type":"close","timestamp_usec":"5","return_value":0,"success":true,"thread_id":1,"fake_call":false}`,
		`{"type":"close","timestamp_usec":5,"return_value":0,"success":1,"thread_id":1,"fake_call":false}`,
		`{"type":"close","timestamp_usec":5,"return_value":0,"success":false,"thread_id":1,"fake_call":false}`,
		`{"type":"close","timestamp_usec":5,"return_value":0,"success":true,"errno":"EBADF","thread_id":1,"fake_call":false}`,
		`{"type":"close","timestamp_usec":5,"return_value":0,"success":false,"errno":7,"thread_id":1,"fake_call":false}`,
		`{"type":"close","timestamp_usec":5,"return_value":0,"success":true,"thread_id":1,"fake_call":false,"details":[1]}`,
		`{"type":"close","timestamp_usec":5,"return_value":0,"success":true,"thread_id":1,"fake_call":false,"details":{"a":}}`,
		`{"type":"close"`,
		`[1,2]`,
		`{"type":"close","timestamp_usec":5,"return_value":0,"success":true,"thread_id":1,"fake_call":false} {}`,
		`{"type":"close","timestamp_usec":99999999999999999999,"return_value":0,"success":true,"thread_id":1,"fake_call":false}`,
	}
	for _, l := range lines {
		want, werr := ParseEvent([]byte(l))
		got, gerr := ParseRawEvent([]byte(l))
		if (werr == nil) != (gerr == nil) {
			t.Errorf("%s\nParseEvent err %v, ParseRawEvent err %v", l, werr, gerr)
			continue
		}
		if werr != nil {
			continue
		}
		if c, err := ParseRawEventChecked([]byte(l)); err != nil || string(c.Details) != string(got.Details) || c.Type != got.Type ||
			c.TimestampUsec != got.TimestampUsec || c.Errno != got.Errno {
			t.Errorf("%s\nParseRawEventChecked %+v %v, ParseRawEvent %+v", l, c, err, got)
		}
		var details map[string]any
		dec := json.NewDecoder(strings.NewReader(string(got.Details)))
		dec.UseNumber()
		if err := dec.Decode(&details); err != nil {
			t.Fatalf("%s: raw details %q: %v", l, got.Details, err)
		}
		g := Event{Type: got.Type, TimestampUsec: got.TimestampUsec, ReturnValue: got.ReturnValue, Success: got.Success,
			Errno: got.Errno, ThreadID: got.ThreadID, FakeCall: got.FakeCall, Details: details}
		if !reflect.DeepEqual(g, want) {
			t.Errorf("%s\nraw    %+v\nparsed %+v", l, g, want)
		}
	}
}

// On garbage, the unchecked parser fails or returns something, but never
// panics (it may see lines a broken disk changed after the check).
func TestParseRawEventCheckedSurvivesGarbage(t *testing.T) {
	for _, l := range []string{``, `{`, `{"`, `{"type`, `{"type":`, `{"type":"x`, `{"details":{"a":[`, `}}}}`, `{"a":"\`, `"`, `[`, `{"type":"a","details":{`} {
		ParseRawEventChecked([]byte(l))
	}
}
