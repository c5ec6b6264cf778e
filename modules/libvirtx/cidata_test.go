package libvirtx

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/kdomanski/iso9660"
)

func TestSeedISOHasNoCloudFiles(t *testing.T) {
	s, err := SeedFromArgs("galera-1",
		map[string]any{"users": []any{map[string]any{"name": "adam", "sudo": []any{"ALL=(ALL) NOPASSWD:ALL"}}}},
		nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := s.ISO()
	if err != nil {
		t.Fatal(err)
	}
	img, err := iso9660.OpenImage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := img.Label(); l != "cidata" {
		t.Errorf("label = %q, want cidata (cloud-init finds the seed by it)", l)
	}
	root, err := img.RootDir()
	if err != nil {
		t.Fatal(err)
	}
	kids, err := root.GetChildren()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, k := range kids {
		b, _ := io.ReadAll(k.Reader())
		got[k.Name()] = string(b)
	}
	ud := got["user-data"]
	if !strings.HasPrefix(ud, "#cloud-config\n") || !strings.Contains(ud, "name: adam") {
		t.Errorf("user-data = %q, want a #cloud-config document with user adam", ud)
	}
	if md := got["meta-data"]; md != "instance-id: galera-1\nlocal-hostname: galera-1\n" {
		t.Errorf("meta-data = %q, want instance-id and local-hostname from the name", md)
	}
	if len(got) != 2 {
		t.Errorf("files = %v, want exactly user-data and meta-data", got)
	}
}

func TestSeedStringPartsKeptVerbatim(t *testing.T) {
	s, err := SeedFromArgs("x", "#cloud-config\npackages: [vim]", "instance-id: custom", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.UserData != "#cloud-config\npackages: [vim]\n" || s.MetaData != "instance-id: custom\n" {
		t.Errorf("seed = %+v", s)
	}
	if _, err := SeedFromArgs("x", 42, nil, nil); err == nil {
		t.Error("user_data: 42 accepted")
	}
}
