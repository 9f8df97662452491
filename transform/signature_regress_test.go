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
