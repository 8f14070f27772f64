// Drives gophercloud (Debian's golang-github-gophercloud-gophercloud-dev, the library under
// Terraform's OpenStack provider) against the gateway. The same protocol as python-clients.py:
// scenarios as JSON on stdin, one JSON list of results on stdout.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/gophercloud/gophercloud"
	"github.com/gophercloud/gophercloud/openstack"
	"github.com/gophercloud/gophercloud/openstack/identity/v3/regions"
)

type auth struct {
	Type     string `json:"type"`
	Token    string `json:"token"`
	Username string `json:"username"`
	Password string `json:"password"`
}

type op struct {
	Op          string `json:"op"`
	ID          string `json:"id"`
	Parent      string `json:"parent"`
	Description string `json:"description"`
}

type scenario struct {
	Name       string  `json:"name"`
	Auth       auth    `json:"auth"`
	Project    *string `json:"project"`
	RegionName *string `json:"region_name"`
	Ops        []op    `json:"ops"`
}

type request struct {
	AuthURL   string     `json:"auth_url"`
	Scenarios []scenario `json:"scenarios"`
}

type result struct {
	OK     bool        `json:"ok"`
	Value  interface{} `json:"value,omitempty"`
	Status *int        `json:"status,omitempty"`
	Error  string      `json:"error,omitempty"`
}

type entry struct {
	Name    string   `json:"name"`
	Login   result   `json:"login"`
	Results []result `json:"results"`
}

type view struct {
	ID             string `json:"id"`
	Description    string `json:"description"`
	ParentRegionID string `json:"parent_region_id"`
}

func statusOf(err error) *int {
	var code int
	switch e := err.(type) {
	case gophercloud.ErrDefault400:
		code = e.Actual
	case gophercloud.ErrDefault401:
		code = e.Actual
	case gophercloud.ErrDefault403:
		code = e.Actual
	case gophercloud.ErrDefault404:
		code = e.Actual
	case gophercloud.ErrDefault409:
		code = e.Actual
	case gophercloud.ErrUnexpectedResponseCode:
		code = e.Actual
	default:
		return nil
	}
	return &code
}

func failure(err error) result {
	return result{OK: false, Status: statusOf(err), Error: fmt.Sprintf("%T: %v", err, err)}
}

func viewOf(r *regions.Region) view {
	return view{ID: r.ID, Description: r.Description, ParentRegionID: r.ParentRegionID}
}

func login(authURL string, s scenario) (*gophercloud.ServiceClient, error) {
	opts := gophercloud.AuthOptions{IdentityEndpoint: authURL}
	if s.Auth.Type == "v3token" {
		// TokenID without a scope: validated with GET /v3/auth/tokens, as Terraform's `token =` does
		opts.TokenID = s.Auth.Token
	} else {
		opts.Username = s.Auth.Username
		opts.Password = s.Auth.Password
		opts.DomainName = "Default"
	}
	if s.Project != nil {
		opts.Scope = &gophercloud.AuthScope{ProjectName: *s.Project, DomainName: "Default"}
	}
	provider, err := openstack.AuthenticatedClient(opts)
	if err != nil {
		return nil, err
	}
	eo := gophercloud.EndpointOpts{}
	if s.RegionName != nil {
		eo.Region = *s.RegionName
	}
	return openstack.NewIdentityV3(provider, eo)
}

func run(client *gophercloud.ServiceClient, o op) (interface{}, error) {
	switch o.Op {
	case "list":
		pages, err := regions.List(client, regions.ListOpts{ParentRegionID: o.Parent}).AllPages()
		if err != nil {
			return nil, err
		}
		all, err := regions.ExtractRegions(pages)
		if err != nil {
			return nil, err
		}
		out := make([]view, 0, len(all))
		for i := range all {
			out = append(out, viewOf(&all[i]))
		}
		sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
		return out, nil
	case "create":
		r, err := regions.Create(client, regions.CreateOpts{ID: o.ID, Description: o.Description, ParentRegionID: o.Parent}).Extract()
		if err != nil {
			return nil, err
		}
		return viewOf(r), nil
	case "get":
		r, err := regions.Get(client, o.ID).Extract()
		if err != nil {
			return nil, err
		}
		return viewOf(r), nil
	case "update":
		d := o.Description
		r, err := regions.Update(client, o.ID, regions.UpdateOpts{Description: &d}).Extract()
		if err != nil {
			return nil, err
		}
		return viewOf(r), nil
	case "delete":
		return nil, regions.Delete(client, o.ID).ExtractErr()
	}
	return nil, fmt.Errorf("unknown op %q", o.Op)
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := []entry{}
	for _, s := range req.Scenarios {
		e := entry{Name: s.Name, Results: []result{}}
		client, err := login(req.AuthURL, s)
		if err != nil {
			e.Login = failure(err)
			out = append(out, e)
			continue
		}
		e.Login = result{OK: true}
		for _, o := range s.Ops {
			v, err := run(client, o)
			if err != nil {
				e.Results = append(e.Results, failure(err))
			} else {
				e.Results = append(e.Results, result{OK: true, Value: v})
			}
		}
		out = append(out, e)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(2)
	}
}
