// Real-user-monitoring script slot (a later issue fills it in).
// SiteGen inlines this file into the page's head, so it costs no extra request; while it holds only
// comments, nothing is inlined. It must not contain a closing script tag or an HTML comment opener.
