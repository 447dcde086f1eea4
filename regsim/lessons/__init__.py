"""Lessons and misconception quizzes: loading, grading and learner progress, with no UI in sight.

Modules: `model` (the frozen lesson data), `document` (front matter and pages of a lesson file),
`questions` (checking question blocks), `loader` (whole lessons and lesson sets), `quantities`
(numbers with units and tolerances), `grading` (answers, grades and the quiz rules), `progress`
(the learner's saved progress), `catalog` and `commands` (what `regsim lessons` and
`regsim progress` print), `lint` (what `regsim lint` reports for lesson files).
"""
