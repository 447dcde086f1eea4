"""`regsim web`: the app served to a class's browsers, one app process per learner, and the instructor's view.

`roster` keeps who the learners are and where their progress lives (no web code); `standing` reads
the class's stored progress into what the instructor sees; `report` draws and writes it; `pages` is
the HTML; `server` is the aiohttp application that starts one app per browser session
(textual-serve's `AppService`); `learner_app` is that app's process.
"""
