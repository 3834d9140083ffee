# ruff: noqa: E501  (the prompts are data: one per line, as written)
"""Write the open-ended chat set `bench/data/router-chat/chat.jsonl` (kept out of training).

    uv run python bench/router_chat_set.py

120 prompts, 15 in each of writing, roleplay, humanities, extraction, STEM, reasoning, math and
code, written by hand. Quality is a PROXY, not a judgement of real model answers: each prompt
carries the author's `gain_level` (0 = any model answers it well; 1 = a weak model is a bit
worse; 2 = multi-step or specialised work where a weak model often slips; 3 = proofs, hard
puzzles, systems code), assigned when the prompt was written, and the 10-point scores are
strong = 9, weak = 9 - 2 * gain_level. See bench/data/router-chat/README.md.
"""

import json
from pathlib import Path

OUT = Path(__file__).with_name("data") / "router-chat" / "chat.jsonl"
P = {
"writing": [
 (0, "Write a two-line birthday message for my coworker Sam."),
 (0, "Give me three catchy names for a bakery."),
 (0, "Write a short thank-you note to my neighbour for watering my plants."),
 (1, "Write a 150-word blog intro about why people should start journaling."),
 (1, "Rewrite this sentence to sound more formal: 'hey, we gotta push the meeting, sorry!'"),
 (0, "Write a haiku about autumn rain."),
 (1, "Write a limerick about a cat who learns to code."),
 (2, "Write a sestina about a lighthouse keeper, using the end words sea, light, stone, wait, salt, home, with the correct end-word rotation in all six stanzas and the envoi."),
 (2, "Write a 300-word short story in second person where the twist is revealed only in the last sentence, and every paragraph must begin with the same letter."),
 (1, "Draft a polite email asking my landlord to fix a leaking tap."),
 (0, "Suggest a caption for a photo of my dog at the beach."),
 (1, "Write a product description for a reusable water bottle, about 80 words."),
 (2, "Write a persuasive op-ed of about 400 words arguing for congestion pricing, anticipating and rebutting the three strongest counterarguments."),
 (0, "Write a tweet announcing our shop opens at 9am on Saturday."),
 (1, "Turn these notes into a friendly paragraph: team lunch friday, pizza, RSVP by wed, vegan options."),
],
"roleplay": [
 (0, "Pretend you are a pirate and say good morning to me."),
 (0, "Act as a friendly barista and ask me what I'd like to order."),
 (1, "You are a medieval innkeeper. Greet a tired traveller and describe the rooms available."),
 (0, "Roleplay as my supportive gym buddy and hype me up before a workout."),
 (1, "Stay in character as Sherlock Holmes and comment on my muddy boots."),
 (1, "Imagine you are a tour guide in Rome. Welcome our group in a few sentences."),
 (0, "Be a cheerful robot and tell me a joke."),
 (1, "Act as a job interviewer for a junior marketing role and ask me your first question."),
 (2, "You are a game master running a mystery. Keep track of these clues across our conversation: the butler's alibi is 9pm, the window was locked from inside, the dog did not bark. Open the scene and give me three choices, each consistent with every clue."),
 (0, "Pretend to be a wise old tree and say something calm."),
 (1, "Act as a customer who is upset about a late delivery so I can practise support replies."),
 (2, "Roleplay a negotiation: you are a supplier who must not go below 12% margin, I am the buyer. Open with an offer on 10,000 units at a base cost of 4.20 dollars, and explain your pricing logic in character."),
 (0, "You are a news anchor. Announce that it is sunny today."),
 (1, "Play a Socratic tutor and ask me questions to help me understand why the sky is blue."),
 (0, "Act as a cowboy and introduce yourself."),
],
"humanities": [
 (0, "Who wrote Pride and Prejudice?"),
 (0, "What year did World War II end?"),
 (1, "Summarise the main causes of the French Revolution in a paragraph."),
 (1, "What is the difference between stoicism and epicureanism?"),
 (0, "Name three famous Renaissance painters."),
 (1, "Explain what the Silk Road was and why it mattered."),
 (2, "Compare Kant's categorical imperative with Mill's utilitarianism on the trolley problem, and explain where each theory faces its strongest objection."),
 (1, "What themes run through Toni Morrison's Beloved?"),
 (0, "What is the capital of Australia?"),
 (1, "Give a short overview of the history of the Roman Empire's fall."),
 (2, "Analyse how the Treaty of Versailles contributed to the rise of extremism in interwar Germany, weighing economic, political and cultural factors, with dates."),
 (0, "What religion is practised by most people in Thailand?"),
 (1, "Explain the basic idea of Plato's allegory of the cave."),
 (2, "Critically assess the claim that the printing press caused the Protestant Reformation, distinguishing necessary from sufficient causes."),
 (0, "Who painted the Mona Lisa?"),
],
"extraction": [
 (0, "Extract the email address from: 'Contact us at help@example.com for support.'"),
 (1, "From the text 'Order #4521 shipped on 3 May to Lisbon, 2 items, total 48.90 EUR', extract order id, date, city, item count and total as JSON."),
 (1, "Convert this list to CSV with columns name,age: Anna 31, Ben 25, Chloe 40."),
 (0, "Classify the sentiment of: 'The food was cold and the waiter was rude.'"),
 (2, "Parse the following log lines and return a JSON array of objects with timestamp (ISO 8601), level, service and message, skipping malformed lines:\n2026-01-03 10:01:22 ERROR auth: token expired\nbad line here\n2026-01-03 10:01:25 WARN cache miss rate 40%\n03/01/2026 10:02 INFO api: started"),
 (1, "List all the dates mentioned in: 'We met on 4 July 2019, married on 12 June 2021 and moved on 1 March 2023.'"),
 (2, "Given this JSON schema {\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":3},\"price\":{\"type\":\"number\",\"minimum\":0}},\"required\":[\"name\",\"price\"]}, extract a valid object from: 'The Deluxe Kettle, tagged kitchen, gift, steel and sale, costs 39 dollars.' Explain any field you had to drop."),
 (0, "What is the phone number in: 'Call 555-0142 after 5pm'?"),
 (1, "Turn this into a markdown table: apples 3 dollars, pears 2 dollars, plums 4 dollars."),
 (2, "Extract every obligation of the tenant from this clause into a numbered list, each with its deadline and the penalty if any: 'The Tenant shall pay rent by the 5th of each month, failing which a fee of 5% applies; shall notify the Landlord in writing of any damage within 7 days; and shall not sublet without prior written consent, breach of which terminates this lease.'"),
 (0, "Pull out the names of the people in: 'Maria and Tom met Priya at the station.'"),
 (1, "Classify these support tickets into billing, technical or other: 'I was charged twice', 'The app crashes on login', 'Do you have a office in Berlin?'"),
 (2, "Convert this YAML to equivalent JSON and point out any value whose type changes under YAML 1.1 rules:\ncountry: NO\nversion: 1.10\nenabled: yes\nport: 0800"),
 (0, "Extract the hashtags from: 'Loving the sun #summer #beach'"),
 (1, "Summarize the following text in one sentence: 'The council approved the new bike lanes after a two-hour debate. Construction starts in June and will take four months.'"),
],
"stem": [
 (0, "What is the chemical symbol for gold?"),
 (0, "How many planets are in the solar system?"),
 (1, "Explain how vaccines train the immune system, in simple terms."),
 (1, "What is the difference between mitosis and meiosis?"),
 (2, "Derive the escape velocity from Earth's surface from energy conservation and compute it numerically, stating every constant you use."),
 (2, "Explain why the Carnot efficiency is an upper bound for any heat engine, with a short argument from the second law."),
 (1, "Why does ice float on water?"),
 (0, "What gas do plants absorb from the air?"),
 (2, "A drug has first-order elimination with a half-life of 6 hours. If 400 mg is given every 8 hours, what is the steady-state peak and trough concentration ratio? Show the derivation."),
 (1, "How does a transistor work as a switch?"),
 (2, "Explain quantum entanglement and why it does not allow faster-than-light communication, referring to the no-signalling theorem."),
 (0, "What is the boiling point of water in Celsius at sea level?"),
 (1, "What does DNA polymerase do?"),
 (2, "Design an experiment to test whether a new fertiliser increases crop yield, including controls, randomisation, sample size reasoning and the statistical test you would use."),
 (1, "Explain Ohm's law with an example."),
],
"reasoning": [
 (0, "If it is raining, should I take an umbrella?"),
 (1, "Which is heavier, a kilogram of feathers or a kilogram of steel? Explain."),
 (2, "Three boxes are labelled apples, oranges and mixed, and every label is wrong. You may draw one fruit from one box. How do you relabel all boxes correctly? Explain step by step."),
 (2, "Alice is older than Bob. Carol is younger than Dave but older than Alice. Eve is the youngest. Bob is older than Eve. Order everyone from oldest to youngest and justify each step."),
 (1, "Compare renting and buying a home for someone who may move in three years."),
 (3, "A game: two players alternately remove 1, 3 or 4 coins from a pile of 30; whoever takes the last coin wins. Who wins with perfect play and what is the strategy? Prove it."),
 (2, "Evaluate this argument and name the fallacy: 'Every time I wash my car it rains, so washing my car causes rain.'"),
 (1, "Should a small shop accept card payments? Give pros and cons."),
 (3, "Design a strategy for a 100-prisoner hat puzzle where each prisoner sees the hats in front and guesses their own colour (red or blue) aloud in turn from the back; maximise guaranteed survivors and prove your strategy is optimal."),
 (2, "A bat and a ball cost 1.10 in total. The bat costs 1.00 more than the ball. How much does the ball cost? Explain why the intuitive answer is wrong."),
 (0, "Is it a good idea to wear a coat when it's snowing?"),
 (2, "Analyse the trade-offs of a four-day work week for a hospital versus a software company."),
 (3, "Knights always tell the truth and knaves always lie. A says 'B is a knave'. B says 'A and C are of the same type'. C says nothing. Determine what each can be, considering every case."),
 (1, "Why might a company choose to lower prices during a recession?"),
 (3, "There are 12 coins, one counterfeit that is heavier or lighter. With a balance scale and three weighings, find the counterfeit and whether it is heavier or lighter. Give the full decision tree."),
],
"math": [
 (0, "What is 12 + 7?"),
 (0, "What is 15% of 200?"),
 (1, "Solve for x: 3x + 5 = 20."),
 (1, "A train travels 180 km in 2.5 hours. What is its average speed?"),
 (2, "Find all real solutions of x^4 - 5x^2 + 4 = 0 and verify them."),
 (3, "Prove that the square root of 2 is irrational, then generalise the proof to the square root of any non-square integer."),
 (2, "What is the probability of getting at least two heads in five fair coin tosses? Show the calculation."),
 (3, "Prove there are infinitely many primes of the form 4k + 3."),
 (1, "Convert 3/8 to a decimal and a percentage."),
 (2, "Compute the integral of x * e^(2x) dx and check it by differentiation."),
 (3, "Let a_1 = 1 and a_{n+1} = a_n + 1/a_n. Prove that a_100 is between 14 and 18."),
 (0, "How many minutes are in three hours?"),
 (2, "A rectangle's length is twice its width and its diagonal is 10 cm. Find its area exactly."),
 (3, "Find the number of integer solutions of x + y + z = 20 with 0 <= x, y, z <= 9, and explain the inclusion-exclusion step."),
 (1, "If a shirt costs 40 dollars after a 20% discount, what was the original price?"),
],
"code": [
 (0, "How do I print hello world in Python?"),
 (0, "What does the len function do in Python?"),
 (1, "Write a Python function that reverses a string."),
 (1, "Write a SQL query that returns the 5 most recent orders from an orders table."),
 (2, "Write a Python function that merges overlapping intervals, with type hints and tests for edge cases (empty input, nested intervals, touching endpoints)."),
 (3, "Implement a lock-free single-producer single-consumer ring buffer in Rust, explain the memory orderings you chose, and show why it is free of data races."),
 (2, "Here is a bug: my JavaScript loop `for (var i = 0; i < 3; i++) { setTimeout(() => console.log(i), 0) }` prints 3 three times. Explain why and give two fixes."),
 (3, "Prove there are infinitely many twin primes or explain why it is open; then write a Rust segmented sieve with SIMD and analyse it."),
 (1, "Write a bash one-liner that counts the lines in all .txt files in a folder."),
 (2, "Refactor this Python to be testable and explain the design: a function that reads config.json, calls an HTTP API with the token inside, and writes the result to a database."),
 (3, "Design and implement in Python an LRU cache with O(1) get and put and per-entry TTL expiry, thread-safe, and analyse the complexity of each operation."),
 (0, "What is the difference between a list and a tuple in Python?"),
 (2, "Write a regex that validates IPv4 addresses (0-255 in each octet, no leading zeros) and explain each part."),
 (3, "Given a Kubernetes deployment whose pods are OOM-killed only under load, write a step-by-step debugging plan with the kubectl commands and the likely root causes in a JVM service."),
 (1, "Write a JavaScript function that checks whether a number is even."),
],
}
with OUT.open("w") as fh:
    for cat, items in P.items():
        for level, prompt in items:
            fh.write(json.dumps({"prompt": prompt, "category": cat, "gain_level": level,
                                 "weak": 9.0 - 2.0 * level, "strong": 9.0}) + "\n")
print(sum(len(v) for v in P.values()))
