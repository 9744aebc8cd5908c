"""The fields the real APIs return around the text: what a user's export really looks like.

``engine_data.py`` makes each issue, page and PR with only the fields the parsers read. A real
export carries much more: Jira REST v2 wraps every user in ``self``/``avatarUrls``/``timeZone``
and every issue in ``issuetype``/``status``/``watches``/custom fields; Confluence's content API
adds ``history``, ``version``, ``space`` and ``_links`` objects; a GitHub pulls listing repeats
the full ``head`` and ``base`` repository objects (~80 fields each). In the public payloads
under ``shared/realdata`` the text is 0.4-9% of the bytes; in the lean shape it is ~75%.

These functions add those fields, modelled on the shapes of the public REST responses, to a
lean item without touching anything a parser reads, and without randomness: an item parses to
the same record in both shapes (tests check it), so the two shapes hold the same text and
differ only in the structure around it.
"""

from __future__ import annotations

import zlib
from typing import Any

JIRA = "https://acme.atlassian.net"
GH_API, GH = "https://api.github.com", "https://github.com"


def _n(value: str, mod: int = 10**6) -> int:
    return zlib.crc32(value.encode()) % mod


def jira_user(user: dict[str, Any]) -> dict[str, Any]:
    acc = user.get("accountId") or f"acc-{_n(str(user.get('displayName')))}"
    avatar = f"https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/{acc}/{_n(acc):x}"
    return {
        "self": f"{JIRA}/rest/api/2/user?accountId={acc}",
        "accountId": acc,
        **user,
        "avatarUrls": {s: f"{avatar}/{s}.png" for s in ("48x48", "24x24", "16x16", "32x32")},
        "active": True,
        "timeZone": "Europe/Berlin",
        "accountType": "atlassian",
    }


def _named(kind: str, name: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    i = _n(name, 10**4)
    return {
        "self": f"{JIRA}/rest/api/2/{kind}/{i}",
        "id": str(i),
        "name": name,
        "iconUrl": f"{JIRA}/images/icons/{kind}/{name.lower().replace(' ', '_')}.svg",
        **(extra or {}),
    }


def jira_rest(issue: dict[str, Any]) -> dict[str, Any]:
    """A lean Jira issue as the v2 search API returns it with ``fields=*all``."""
    f = dict(issue["fields"])
    key = issue["key"]
    project = f["project"]["key"]
    comments = [
        {
            "self": f"{JIRA}/rest/api/2/issue/{issue['id']}/comment/{c['id']}",
            **c,
            "author": jira_user(c["author"]),
            "updateAuthor": jira_user(c["author"]),
            "updated": c.get("created"),
            "jsdPublic": True,
        }
        for c in f["comment"]["comments"]
    ]
    status = f["status"]["name"]
    done = status == "Done"
    f.update(
        {
            "issuetype": _named(
                "issuetype",
                f["issuetype"]["name"],
                {
                    "description": "Created by Jira Software - do not edit or delete.",
                    "subtask": False,
                    "avatarId": 10318,
                    "hierarchyLevel": 0,
                },
            ),
            "project": {
                "self": f"{JIRA}/rest/api/2/project/{_n(project, 10**5)}",
                "id": str(_n(project, 10**5)),
                "key": project,
                "name": "Payments Platform",
                "projectTypeKey": "software",
                "simplified": False,
                "avatarUrls": {
                    s: f"{JIRA}/rest/api/2/universal_avatar/view/type/project/avatar/10411?size={s}"
                    for s in ("48x48", "24x24", "16x16", "32x32")
                },
            },
            "priority": _named("priority", f["priority"]["name"]),
            "status": _named(
                "status",
                status,
                {
                    "description": "",
                    "statusCategory": {
                        "self": f"{JIRA}/rest/api/2/statuscategory/{3 if done else 2}",
                        "id": 3 if done else 2,
                        "key": "done" if done else "new",
                        "colorName": "green" if done else "blue-gray",
                        "name": "Done" if done else "To Do",
                    },
                },
            ),
            "reporter": jira_user(f["reporter"]),
            "assignee": jira_user(f["assignee"]),
            "creator": jira_user(f["reporter"]),
            "comment": {
                "comments": comments,
                "self": f"{JIRA}/rest/api/2/issue/{issue['id']}/comment",
                "maxResults": len(comments),
                "total": len(comments),
                "startAt": 0,
            },
            "updated": f["created"],
            "lastViewed": None,
            "resolutiondate": None,
            "duedate": None,
            "environment": None,
            "timespent": None,
            "timeestimate": None,
            "timeoriginalestimate": None,
            "aggregatetimespent": None,
            "aggregatetimeestimate": None,
            "aggregatetimeoriginalestimate": None,
            "workratio": -1,
            "fixVersions": [],
            "versions": [],
            "issuelinks": [],
            "subtasks": [],
            "attachment": [],
            "security": None,
            "watches": {
                "self": f"{JIRA}/rest/api/2/issue/{key}/watchers",
                "watchCount": 2,
                "isWatching": False,
            },
            "votes": {"self": f"{JIRA}/rest/api/2/issue/{key}/votes", "votes": 0, "hasVoted": False},
            "progress": {"progress": 0, "total": 0},
            "aggregateprogress": {"progress": 0, "total": 0},
            "timetracking": {},
            "worklog": {"startAt": 0, "maxResults": 20, "total": 0, "worklogs": []},
            "statuscategorychangedate": f["created"].replace(".000+0000", ".512+0000"),
            "customfield_10001": None,
            "customfield_10002": None,
            "customfield_10003": None,
            "customfield_10010": None,
            "customfield_10014": None,
            "customfield_10015": None,
            "customfield_10016": None,
            "customfield_10019": f"0|i00{_n(key, 10**3)}:",
            "customfield_10020": None,
            "customfield_10021": None,
            "customfield_10035": None,
        }
    )
    return {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": issue["id"],
        "self": f"{JIRA}/rest/api/2/issue/{issue['id']}",
        "key": key,
        "fields": f,
    }


def _conf_user(name: str) -> dict[str, Any]:
    acc = f"5b10ac8d82e05b22cc7d{_n(name):06d}"
    return {
        "type": "known",
        "accountId": acc,
        "accountType": "atlassian",
        "email": "",
        "publicName": name,
        "displayName": name,
        "isExternalCollaborator": False,
        "profilePicture": {"path": f"/wiki/aa-avatar/{acc}", "width": 48, "height": 48, "isDefault": False},
        "_expandable": {"operations": "", "personalSpace": ""},
        "_links": {"self": f"{JIRA}/wiki/rest/api/user?accountId={acc}"},
    }


def confluence_rest(page: dict[str, Any]) -> dict[str, Any]:
    """A lean page as the content API returns it with ``expand=body.storage,version,space,history,
    ancestors``."""
    pid, key = page["id"], page["space"]["key"]
    who = _conf_user(page["version"]["by"]["displayName"])
    space = {
        "id": _n(key, 10**6),
        "key": key,
        "name": page["space"]["name"],
        "type": "global",
        "status": "current",
        "icon": {
            "path": "/wiki/download/attachments/1/ENG?version=1",
            "width": 48,
            "height": 48,
            "isDefault": False,
        },
        "_expandable": {
            "settings": f"/rest/api/space/{key}/settings",
            "metadata": "",
            "operations": "",
            "lookAndFeel": f"/rest/api/settings/lookandfeel?spaceKey={key}",
            "identifiers": "",
            "permissions": "",
            "theme": f"/rest/api/space/{key}/theme",
            "history": "",
            "homepage": f"/rest/api/content/{_n(key)}",
            "description": "",
        },
        "_links": {"webui": f"/spaces/{key}", "self": f"{JIRA}/wiki/rest/api/space/{key}"},
    }
    version = {
        "by": who,
        "when": page["version"]["when"],
        "friendlyWhen": "May 01, 2024",
        "message": "",
        "number": page["version"]["number"],
        "minorEdit": False,
        "confRev": f"confluence$content${pid}.{page['version']['number']}",
        "contentTypeModified": False,
        "_expandable": {"collaborators": "", "content": f"/rest/api/content/{pid}"},
        "_links": {"self": f"{JIRA}/wiki/rest/api/content/{pid}/version/{page['version']['number']}"},
    }
    ancestors = [
        {
            "id": str(_n(a["title"])),
            "type": "page",
            "status": "current",
            "title": a["title"],
            "_expandable": {
                "container": f"/rest/api/space/{key}",
                "children": "",
                "history": "",
                "version": "",
                "descendants": "",
                "space": f"/rest/api/space/{key}",
            },
            "_links": {
                "self": f"{JIRA}/wiki/rest/api/content/{_n(a['title'])}",
                "webui": f"/spaces/{key}/pages/{_n(a['title'])}",
            },
        }
        for a in page.get("ancestors", [])
    ]
    body = {
        "storage": {
            **page["body"]["storage"],
            "embeddedContent": [],
            "_expandable": {"content": f"/rest/api/content/{pid}"},
        },
        "_expandable": {
            "editor": "",
            "atlas_doc_format": "",
            "view": "",
            "export_view": "",
            "styled_view": "",
            "dynamic": "",
            "editor2": "",
            "anonymous_export_view": "",
        },
    }
    return {
        **page,
        "status": "current",
        "space": space,
        "version": version,
        "ancestors": ancestors,
        "history": {
            "latest": True,
            "createdBy": who,
            "createdDate": page["version"]["when"],
            "_expandable": {"lastUpdated": "", "previousVersion": "", "contributors": "", "nextVersion": ""},
            "_links": {"self": f"{JIRA}/wiki/rest/api/content/{pid}/history"},
        },
        "body": body,
        "extensions": {"position": 1024},
        "_expandable": {
            "childTypes": "",
            "container": f"/rest/api/space/{key}",
            "metadata": "",
            "operations": "",
            "children": f"/rest/api/content/{pid}/child",
            "restrictions": f"/rest/api/content/{pid}/restriction/byOperation",
            "descendants": f"/rest/api/content/{pid}/descendant",
        },
        "_links": {
            **page["_links"],
            "editui": f"/pages/resumedraft.action?draftId={pid}",
            "tinyui": f"/x/{_n(pid):x}",
            "self": f"{JIRA}/wiki/rest/api/content/{pid}",
        },
    }


def gh_user(login: str, kind: str = "User") -> dict[str, Any]:
    u = f"{GH_API}/users/{login}"
    return {
        "login": login,
        "id": _n(login, 10**8),
        "node_id": f"MDQ6VXNlcj{_n(login, 10**8)}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{_n(login, 10**8)}?v=4",
        "gravatar_id": "",
        "url": u,
        "html_url": f"{GH}/{login}",
        "followers_url": f"{u}/followers",
        "following_url": f"{u}/following{{/other_user}}",
        "gists_url": f"{u}/gists{{/gist_id}}",
        "starred_url": f"{u}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{u}/subscriptions",
        "organizations_url": f"{u}/orgs",
        "repos_url": f"{u}/repos",
        "events_url": f"{u}/events{{/privacy}}",
        "received_events_url": f"{u}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


_REPO_URLS = (
    "forks",
    "keys{/key_id}",
    "collaborators{/collaborator}",
    "teams",
    "hooks",
    "issues/events{/number}",
    "events",
    "assignees{/user}",
    "branches{/branch}",
    "tags",
    "git/blobs{/sha}",
    "git/tags{/sha}",
    "git/refs{/sha}",
    "git/trees{/sha}",
    "statuses/{sha}",
    "languages",
    "stargazers",
    "contributors",
    "subscribers",
    "subscription",
    "commits{/sha}",
    "git/commits{/sha}",
    "comments{/number}",
    "issues/comments{/number}",
    "contents/{+path}",
    "compare/{base}...{head}",
    "merges",
    "{archive_format}{/ref}",
    "downloads",
    "issues{/number}",
    "pulls{/number}",
    "milestones{/number}",
    "notifications{?since,all,participating}",
    "labels{/name}",
    "releases{/id}",
    "deployments",
)


def gh_repo(full_name: str) -> dict[str, Any]:
    owner, name = full_name.split("/")
    api = f"{GH_API}/repos/{full_name}"
    urls = {_url_key(u): f"{api}/{u}" for u in _REPO_URLS}
    return {
        "id": _n(full_name, 10**9),
        "node_id": f"R_kgDOH{_n(full_name, 10**8)}",
        "name": name,
        "full_name": full_name,
        "private": True,
        "owner": gh_user(owner, "Organization"),
        "html_url": f"{GH}/{full_name}",
        "description": "Payments platform services",
        "fork": False,
        "url": api,
        **urls,
        "created_at": "2019-06-03T08:12:44Z",
        "updated_at": "2024-04-01T09:58:02Z",
        "pushed_at": "2024-04-01T09:57:31Z",
        "git_url": f"git://github.com/{full_name}.git",
        "ssh_url": f"git@github.com:{full_name}.git",
        "clone_url": f"{GH}/{full_name}.git",
        "svn_url": f"{GH}/{full_name}",
        "homepage": None,
        "size": 48213,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": "Python",
        "has_issues": True,
        "has_projects": False,
        "has_downloads": True,
        "has_wiki": False,
        "has_pages": False,
        "has_discussions": False,
        "forks_count": 0,
        "mirror_url": None,
        "archived": False,
        "disabled": False,
        "open_issues_count": 17,
        "license": None,
        "allow_forking": False,
        "is_template": False,
        "web_commit_signoff_required": False,
        "topics": [],
        "visibility": "private",
        "forks": 0,
        "open_issues": 17,
        "watchers": 0,
        "default_branch": "main",
    }


def _url_key(template: str) -> str:
    """GitHub's name for a repository URL field: ``issues/events{/number}`` -> ``issue_events_url``."""
    special = {
        "issues/events{/number}": "issue_events",
        "git/blobs{/sha}": "blobs",
        "git/tags{/sha}": "git_tags",
        "git/refs{/sha}": "git_refs",
        "git/trees{/sha}": "trees",
        "git/commits{/sha}": "git_commits",
        "issues/comments{/number}": "issue_comment",
        "{archive_format}{/ref}": "archive",
        "compare/{base}...{head}": "compare",
        "contents/{+path}": "contents",
        "statuses/{sha}": "statuses",
        "comments{/number}": "comments",
    }
    return special.get(template, template.split("{")[0]) + "_url"


def github_rest(pr: dict[str, Any]) -> dict[str, Any]:
    """A lean PR as ``GET /repos/{owner}/{repo}/pulls?state=all`` lists it."""
    repo, number = pr["base"]["repo"]["full_name"], pr["number"]
    api = f"{GH_API}/repos/{repo}"
    sha = f"{_n(f'{repo}#{number}', 16**8):08x}" * 5
    head_ref = pr["head"]["ref"]
    return {
        "url": f"{api}/pulls/{number}",
        "id": _n(f"{repo}#{number}", 10**10),
        "node_id": f"PR_kwDOH{_n(str(number), 10**8)}",
        "html_url": pr["html_url"],
        "diff_url": f"{pr['html_url']}.diff",
        "patch_url": f"{pr['html_url']}.patch",
        "issue_url": f"{api}/issues/{number}",
        "number": number,
        "state": pr["state"],
        "locked": False,
        "title": pr["title"],
        "user": gh_user(pr["user"]["login"], pr["user"]["type"]),
        "body": pr["body"],
        "created_at": pr["created_at"],
        "updated_at": pr["merged_at"],
        "closed_at": pr["merged_at"],
        "merged_at": pr["merged_at"],
        "merge_commit_sha": sha[::-1],
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "labels": [
            {
                "id": _n(lb["name"], 10**10),
                "node_id": f"LA_kwDOH{_n(lb['name'])}",
                "url": f"{api}/labels/{lb['name']}",
                "name": lb["name"],
                "color": "d73a4a",
                "default": True,
                "description": "Something isn't working",
            }
            for lb in pr["labels"]
        ],
        "milestone": None,
        "draft": False,
        "commits_url": f"{api}/pulls/{number}/commits",
        "review_comments_url": f"{api}/pulls/{number}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{api}/issues/{number}/comments",
        "statuses_url": f"{api}/statuses/{sha}",
        "head": {
            "label": f"{repo.split('/')[0]}:{head_ref}",
            "ref": head_ref,
            "sha": sha,
            "user": gh_user(repo.split("/")[0], "Organization"),
            "repo": gh_repo(repo),
        },
        "base": {
            "label": f"{repo.split('/')[0]}:{pr['base']['ref']}",
            "ref": pr["base"]["ref"],
            "sha": sha[1:] + "0",
            "user": gh_user(repo.split("/")[0], "Organization"),
            "repo": gh_repo(repo),
        },
        "_links": {
            k: {"href": v}
            for k, v in {
                "self": f"{api}/pulls/{number}",
                "html": pr["html_url"],
                "issue": f"{api}/issues/{number}",
                "comments": f"{api}/issues/{number}/comments",
                "review_comments": f"{api}/pulls/{number}/comments",
                "review_comment": f"{api}/pulls/comments{{/number}}",
                "commits": f"{api}/pulls/{number}/commits",
                "statuses": f"{api}/statuses/{sha}",
            }.items()
        },
        "author_association": "MEMBER",
        "auto_merge": None,
        "active_lock_reason": None,
    }


SHAPES = {"jira": jira_rest, "confluence": confluence_rest, "github": github_rest}
