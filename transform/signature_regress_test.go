package transform

import "testing"

// Found by FuzzSignature (issue 11; input testdata/fuzz/FuzzSignature/
// 4ff65fcc04c5a872): the CamelCase split skipped a boundary that shared a
// character with the one before it ("0X0", "c2I" in "Ec2Instance"), so the
// signature was not a normal form (signature of "0X0" is "x0", of that "")
// and an alert name in CamelCase with a digit inside signed differently
// from the same words spelled out.
func TestSignatureSplitsEveryBoundary(t *testing.T) {
	for _, in := range []string{"0X0", "Ec2InstanceDown", "S3BucketErrors", "a1B2c3D"} {
		if s := signature(in, nil); signature(s, nil) != s {
			t.Errorf("signature(%q) = %q, but signature of that = %q", in, s, signature(s, nil))
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"Ec2InstanceDown", "EC2 instance down"},
		{"S3BucketErrors", "S3 bucket errors"},
	} {
		if sa, sb := signature(tc.a, nil), signature(tc.b, nil); sa != sb {
			t.Errorf("signature(%q) = %q, signature(%q) = %q; want equal", tc.a, sa, tc.b, sb)
		}
	}
}

// Found by FuzzSignature (input testdata/fuzz/FuzzSignature/
// 027c878fffb3f622): the CamelCase split ran before hashes were removed,
// so a hash that starts with letters lost its digits and kept its letters
// as a word: "ffffff6a" signed as "ffffff", a deploy of abc1234f differed
// from one of 9f81c2e.
func TestSignatureDropsWholeHashes(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"0 0000077 0", "0 ffffff6a 0"},
		{"Deploy abc1234f broke checkout", "Deploy 9f81c2e broke checkout"},
		{"Payments webhook failures for request deadbeef-0b1e-4c6a-9d2f-8e7b6a5c4d3e", "Payments webhook failures for request 3f2a9c1d-0b1e-4c6a-9d2f-8e7b6a5c4d3e"},
	} {
		if sa, sb := signature(tc.a, nil), signature(tc.b, nil); sa != sb {
			t.Errorf("signature(%q) = %q, signature(%q) = %q; want equal", tc.a, sa, tc.b, sb)
		}
	}
}
