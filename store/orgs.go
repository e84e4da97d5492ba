package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/helpdesk-gw/helpdesk/model"
)

const orgCols = `id, slug, name, access, intake, cc_adders, language, created_at`

func scanOrg(r rowScanner) (model.Organisation, error) {
	var o model.Organisation
	err := r.Scan(&o.ID, &o.Slug, &o.Name, &o.Access, &o.Intake, &o.CCAdders, &o.Language,
		(*dbTime)(&o.CreatedAt))
	return o, err
}

// orgDomain is a domain with the organisation it belongs to.
type orgDomain struct {
	orgID int64
	model.Domain
}

func scanOrgDomain(r rowScanner) (orgDomain, error) {
	var d orgDomain
	err := r.Scan(&d.orgID, &d.Name, &d.Forced, (*dbTime)(&d.AddedAt))
	return d, err
}

// orgDefaults fills the spec's defaults (A1, O8, C2) into empty settings.
func orgDefaults(o *model.Organisation) {
	if o.Access == "" {
		o.Access = model.OrgAccessOwn
	}
	if o.Intake == "" {
		o.Intake = model.IntakeOpen
	}
	if o.CCAdders == "" {
		o.CCAdders = model.CCAddersRequester
	}
	if o.Language == "" {
		o.Language = "en"
	}
}

// CreateOrg stores a new organisation with its domains and sets o.ID. Empty
// settings get their defaults (own, open, requester, "en"). A taken slug is
// ErrDuplicate.
func (q *queries) CreateOrg(ctx context.Context, o *model.Organisation) error {
	orgDefaults(o)
	o.Slug = strings.ToLower(o.Slug)
	q.stamp(&o.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		id, err := q.insert(ctx, "insert organisation "+o.Slug,
			`INSERT INTO organisations (slug, name, access, intake, cc_adders, language, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?)`,
			o.Slug, o.Name, string(o.Access), string(o.Intake), string(o.CCAdders), o.Language, dbTime(o.CreatedAt))
		if err != nil {
			return err
		}
		o.ID = id
		for i := range o.Domains {
			if err := q.addOrgDomain(ctx, id, &o.Domains[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateOrg stores o's name, access, intake, CC adders and language.
func (q *queries) UpdateOrg(ctx context.Context, o *model.Organisation) error {
	return q.execOne(ctx, fmt.Sprintf("update organisation %d", o.ID),
		`UPDATE organisations SET name = ?, access = ?, intake = ?, cc_adders = ?, language = ? WHERE id = ?`,
		o.Name, string(o.Access), string(o.Intake), string(o.CCAdders), o.Language, o.ID)
}

// OrgBySlug returns the organisation with that slug, with its domains.
func (q *queries) OrgBySlug(ctx context.Context, slug string) (model.Organisation, error) {
	return q.orgWhere(ctx, "get organisation "+slug, `slug = ?`, strings.ToLower(slug))
}

// OrgByID returns the organisation with that id, with its domains.
func (q *queries) OrgByID(ctx context.Context, id int64) (model.Organisation, error) {
	return q.orgWhere(ctx, fmt.Sprintf("get organisation %d", id), `id = ?`, id)
}

func (q *queries) orgWhere(ctx context.Context, op, where string, arg any) (model.Organisation, error) {
	o, err := getOne(ctx, q, op, scanOrg, `SELECT `+orgCols+` FROM organisations WHERE `+where, arg)
	if err != nil {
		return o, err
	}
	ds, err := getAll(ctx, q, op, scanOrgDomain, `SELECT org_id, domain, forced, added_at
		FROM org_domains WHERE org_id = ? ORDER BY added_at, domain`, o.ID)
	for _, d := range ds {
		o.Domains = append(o.Domains, d.Domain)
	}
	return o, err
}

// ListOrgs returns every organisation with its domains, ordered by id; the
// domains of each are ordered by when they were added, then by name.
func (q *queries) ListOrgs(ctx context.Context) ([]model.Organisation, error) {
	orgs, err := getAll(ctx, q, "list organisations", scanOrg,
		`SELECT `+orgCols+` FROM organisations ORDER BY id`)
	if err != nil {
		return nil, err
	}
	ds, err := getAll(ctx, q, "list organisation domains", scanOrgDomain,
		`SELECT org_id, domain, forced, added_at FROM org_domains ORDER BY added_at, domain`)
	if err != nil {
		return nil, err
	}
	index := make(map[int64]int, len(orgs))
	for i, o := range orgs {
		index[o.ID] = i
	}
	for _, d := range ds {
		if i, ok := index[d.orgID]; ok {
			orgs[i].Domains = append(orgs[i].Domains, d.Domain)
		}
	}
	return orgs, nil
}

// AddOrgDomain adds a domain (lower-cased) to an organisation; AddedAt is
// now if unset. A domain the organisation has already is ErrDuplicate.
func (q *queries) AddOrgDomain(ctx context.Context, orgID int64, d model.Domain) error {
	return q.addOrgDomain(ctx, orgID, &d)
}

// addOrgDomain adds d, normalising its name and time in place.
func (q *queries) addOrgDomain(ctx context.Context, orgID int64, d *model.Domain) error {
	d.Name = strings.ToLower(strings.TrimSpace(d.Name))
	q.stamp(&d.AddedAt)
	_, err := q.exec(ctx, fmt.Sprintf("add domain %s to organisation %d", d.Name, orgID),
		`INSERT INTO org_domains (org_id, domain, forced, added_at) VALUES (?, ?, ?, ?)`,
		orgID, d.Name, d.Forced, dbTime(d.AddedAt))
	return err
}

// RemoveOrgDomain removes a domain from an organisation; ErrNotFound if it
// had no such domain.
func (q *queries) RemoveOrgDomain(ctx context.Context, orgID int64, domain string) error {
	return q.execOne(ctx, fmt.Sprintf("remove domain %s from organisation %d", domain, orgID),
		`DELETE FROM org_domains WHERE org_id = ? AND domain = ?`, orgID, strings.ToLower(strings.TrimSpace(domain)))
}
