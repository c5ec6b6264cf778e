package libvirtx

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/kdomanski/iso9660"
	"gopkg.in/yaml.v3"
)

// Seed is a cloud-init NoCloud seed: the files cloud-init reads from a
// volume labelled "cidata" on first boot.
type Seed struct {
	UserData      string
	MetaData      string
	NetworkConfig string // optional
}

// SeedFromArgs builds a seed from module args: each part may be a YAML
// document as a string or a mapping. A user_data mapping gets the
// "#cloud-config" header cloud-init needs to read it as cloud-config;
// meta_data defaults to instance-id and local-hostname = name, as
// virt-install does.
func SeedFromArgs(name string, userData, metaData, networkConfig any) (Seed, error) {
	var s Seed
	var err error
	if s.UserData, err = seedPart(userData, "#cloud-config\n"); err != nil {
		return s, fmt.Errorf("user_data: %v", err)
	}
	if s.UserData == "" {
		s.UserData = "#cloud-config\n{}\n"
	}
	if s.MetaData, err = seedPart(metaData, ""); err != nil {
		return s, fmt.Errorf("meta_data: %v", err)
	}
	if s.MetaData == "" {
		s.MetaData = fmt.Sprintf("instance-id: %s\nlocal-hostname: %s\n", name, name)
	}
	if s.NetworkConfig, err = seedPart(networkConfig, ""); err != nil {
		return s, fmt.Errorf("network_config: %v", err)
	}
	return s, nil
}

func seedPart(v any, header string) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		if x != "" && !strings.HasSuffix(x, "\n") {
			x += "\n"
		}
		return x, nil
	case map[string]any, []any:
		b, err := yaml.Marshal(x)
		if err != nil {
			return "", err
		}
		return header + string(b), nil
	}
	return "", fmt.Errorf("expected a YAML string or a mapping, got %T", v)
}

// Files lists the seed's files in the order they are written.
func (s Seed) Files() [][2]string {
	out := [][2]string{{"user-data", s.UserData}, {"meta-data", s.MetaData}}
	if s.NetworkConfig != "" {
		out = append(out, [2]string{"network-config", s.NetworkConfig})
	}
	return out
}

// ISO returns the seed as an ISO 9660 image labelled "cidata". Plain
// ISO 9660 names are enough: "user-data" survives the library's name
// mangling and Linux shows it without the ";1" version suffix.
func (s Seed) ISO() ([]byte, error) {
	w, err := iso9660.NewWriter()
	if err != nil {
		return nil, err
	}
	defer func() { _ = w.Cleanup() }()
	for _, f := range s.Files() {
		if err := w.AddFile(strings.NewReader(f[1]), f[0]); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := w.WriteTo(&buf, "cidata"); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
