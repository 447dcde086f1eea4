"""The HTML `regsim web` serves: plain pages, no script but textual-serve's terminal on the app's page.

Every text a learner or the course gave is escaped. No page loads anything from another site (a
classroom may have no internet, and a learner's browser tells no third party who is in class).
"""

from __future__ import annotations

from html import escape

from regsim.web.standing import Standing

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #1b1f23; }
main { max-width: 46rem; margin: 3rem auto; background: white; padding: 2rem 2.5rem; border-radius: 8px; }
h1 { font-size: 1.5rem; margin-top: 0; } label { display: block; margin: 1rem 0 .3rem; font-weight: 600; }
input[type=text], input[type=password] { font-size: 1.1rem; padding: .4rem; width: 100%; box-sizing: border-box; }
button { margin-top: 1.2rem; font-size: 1.05rem; padding: .5rem 1.4rem; }
.problem { background: #fdecea; border-left: 4px solid #D55E00; padding: .6rem 1rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; } td, th { border-bottom: 1px solid #ddd;
  padding: .3rem .5rem; text-align: left; vertical-align: top; } .wide { max-width: 70rem; }
"""


def page(title: str, body: str, *, wide: bool = False) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><main{' class=wide' if wide else ''}>{body}</main></body></html>\n")


def join_page(*, needs_code: bool, problem: str = "", name: str = "") -> str:
    code = ("<label for=code>Class code</label><input type=password id=code name=code autocomplete=off required>"
            if needs_code else "")
    shown = f"<p class=problem role=alert>{escape(problem)}</p>" if problem else ""
    return page("regsim: join the class", f"""<h1>regsim: join the class</h1>{shown}
<p>Your name keeps your progress: come back in this browser with the same name and you continue where you left off.</p>
<form method=post action=/join><label for=name>Your name</label>
<input type=text id=name name=name maxlength=40 value="{escape(name)}" autofocus required>{code}
<button type=submit>Start</button></form>""")


def full_page(limit: int) -> str:
    return page("regsim: the class is full", f"""<h1>The class is full</h1>
<p>This regsim server runs at most {limit} learner(s) at once, and every place is taken.
Wait for someone to leave, then <a href="/">try again</a>; or ask your instructor.</p>""")


def app_page(name: str, font_size: int) -> str:
    """textual-serve's terminal page, with a bar for the learner's progress and its own font."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>regsim: {escape(name)}</title>
<link rel="stylesheet" href="/static/css/xterm.css"><script src="/static/js/textual.js"></script>
<style>
@font-face {{ font-family: "Roboto Mono"; src: url("/static/fonts/RobotoMono-VariableFont_wght.ttf"); }}
body {{ background: #0c181f; margin: 0; font-family: system-ui, sans-serif; }}
#bar {{ height: 28px; line-height: 28px; color: #dfe6ea; font-size: 14px; padding: 0 .8rem; }}
#bar a {{ color: #9fd3ff; margin-left: 1.2rem; }}
#terminal.textual-terminal {{ height: calc(100vh - 28px); opacity: 0; }}
body.-first-byte #terminal.textual-terminal {{ opacity: 1; }}
.notice {{ display: none; color: white; padding: 2rem; font-size: 1.1rem; }}
.notice a {{ color: #9fd3ff; }}
body.-closed .notice {{ display: block; }} body.-closed #terminal {{ display: none; }}
#start {{ display: none; }}
</style></head>
<body><div id="bar">regsim · {escape(name)}<a href="/progress/export">Save my progress</a>
<a href="/progress">Bring progress from a file</a><a href="/leave">Leave</a></div>
<div class="notice" id="closed">This session has ended (it was idle, closed, or opened in another tab).
<a href="/">Open regsim again</a>: your progress is kept.</div>
<div id="terminal" class="textual-terminal" data-session-websocket-url="" data-font-size="{font_size}"></div>
<button id="start" type="button">Start</button>
<script>
// The app's websocket is on this server, at the address the page came from.
document.getElementById("terminal").dataset.sessionWebsocketUrl =
  (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
</script></body></html>
"""


def progress_page(name: str, problem: str = "") -> str:
    shown = f"<p class=problem role=alert>{escape(problem)}</p>" if problem else ""
    return page("regsim: your progress", f"""<h1>Your progress, {escape(name)}</h1>{shown}
<p><a href="/progress/export">Save my progress</a> as a file (to keep it, or to take it to <code>regsim</code>
on another machine with <code>regsim progress --import FILE</code>).</p>
<form method=post action=/progress/import enctype=multipart/form-data>
<label for=file>Bring progress from a file saved before (it replaces what this class keeps for you)</label>
<input type=file id=file name=file accept=".json,application/json" required>
<button type=submit>Bring it in</button></form><p><a href="/">Back to regsim</a></p>""")


def instructor_page(standing: Standing, png_url: str, limit: int) -> str:
    online = sum(row.online for row in standing.learners)
    learners = "".join(
        f"<tr><td>{escape(row.name)}</td><td>{escape(row.lesson) or 'not started'}</td>"
        f"<td>{f'{row.page} of {row.pages}' if row.lesson else ''}</td><td>{row.finished}</td>"
        f"<td>{row.answered}</td><td>{'online' if row.online else ''}</td></tr>" for row in standing.learners)
    questions = "".join(
        f"<tr><td>{escape(q.lesson)}</td><td>{escape(q.question)}</td><td>{escape(q.text)}</td>"
        f"<td>{q.right_first} of {q.answered} ({round(100 * q.share)}%)</td></tr>"
        for q in standing.questions if q.answered)
    picks = "".join(
        f"<li><b>{escape(m.pick)}</b> to <i>{escape(m.text)}</i> ({escape(m.lesson)}): picked {m.times} time(s)."
        f"<br>Feedback they read: {escape(m.feedback)}</li>" for m in standing.misconceptions)
    return page("regsim: the class", f"""<h1>The class: {len(standing.learners)} learner(s), {online} online
(at most {limit} at once)</h1>
<img src="{escape(png_url)}" alt="Learners on each lesson, and each question's share of right first answers"
 style="max-width:100%">
<h2>Learners</h2><table><tr><th>Name</th><th>Lesson</th><th>Page</th><th>Lessons finished</th>
<th>Questions answered</th><th></th></tr>{learners}</table>
<h2>Misconceptions picked most</h2>{f'<ol>{picks}</ol>' if picks else '<p>None picked yet.</p>'}
<h2>Right first answers</h2><table><tr><th>Lesson</th><th>Question</th><th>Asked</th><th>Right first</th></tr>
{questions}</table><p>Reload the page to see the class now.</p>""", wide=True)
