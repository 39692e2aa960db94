"""Running a course: variants per student (vary), marking with the slip named (mark),
grading a class (grade) and a Moodle XML question bank (moodle).

Generation is a pure function of (template, seed, id); marking compares each figure with the
engine's value and tries every slip of the catalogue as a named, engine-recomputed alternative.
"""
