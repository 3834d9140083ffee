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
        (
            2,
            "Write a sestina about a lighthouse keeper, using the end words sea, light, stone, wait, salt, home, with the correct end-word rotation in all six stanzas and the envoi.",
        ),
        (
            2,
            "Write a 300-word short story in second person where the twist is revealed only in the last sentence, and every paragraph must begin with the same letter.",
        ),
        (1, "Draft a polite email asking my landlord to fix a leaking tap."),
        (0, "Suggest a caption for a photo of my dog at the beach."),
        (1, "Write a product description for a reusable water bottle, about 80 words."),
        (
            2,
            "Write a persuasive op-ed of about 400 words arguing for congestion pricing, anticipating and rebutting the three strongest counterarguments.",
        ),
        (0, "Write a tweet announcing our shop opens at 9am on Saturday."),
        (
            1,
            "Turn these notes into a friendly paragraph: team lunch friday, pizza, RSVP by wed, vegan options.",
        ),
    ],
    "roleplay": [
        (0, "Pretend you are a pirate and say good morning to me."),
        (0, "Act as a friendly barista and ask me what I'd like to order."),
        (
            1,
            "You are a medieval innkeeper. Greet a tired traveller and describe the rooms available.",
        ),
        (0, "Roleplay as my supportive gym buddy and hype me up before a workout."),
        (1, "Stay in character as Sherlock Holmes and comment on my muddy boots."),
        (1, "Imagine you are a tour guide in Rome. Welcome our group in a few sentences."),
        (0, "Be a cheerful robot and tell me a joke."),
        (1, "Act as a job interviewer for a junior marketing role and ask me your first question."),
        (
            2,
            "You are a game master running a mystery. Keep track of these clues across our conversation: the butler's alibi is 9pm, the window was locked from inside, the dog did not bark. Open the scene and give me three choices, each consistent with every clue.",
        ),
        (0, "Pretend to be a wise old tree and say something calm."),
        (
            1,
            "Act as a customer who is upset about a late delivery so I can practise support replies.",
        ),
        (
            2,
            "Roleplay a negotiation: you are a supplier who must not go below 12% margin, I am the buyer. Open with an offer on 10,000 units at a base cost of 4.20 dollars, and explain your pricing logic in character.",
        ),
        (0, "You are a news anchor. Announce that it is sunny today."),
        (
            1,
            "Play a Socratic tutor and ask me questions to help me understand why the sky is blue.",
        ),
        (0, "Act as a cowboy and introduce yourself."),
    ],
    "humanities": [
        (0, "Who wrote Pride and Prejudice?"),
        (0, "What year did World War II end?"),
        (1, "Summarise the main causes of the French Revolution in a paragraph."),
        (1, "What is the difference between stoicism and epicureanism?"),
        (0, "Name three famous Renaissance painters."),
        (1, "Explain what the Silk Road was and why it mattered."),
        (
            2,
            "Compare Kant's categorical imperative with Mill's utilitarianism on the trolley problem, and explain where each theory faces its strongest objection.",
        ),
        (1, "What themes run through Toni Morrison's Beloved?"),
        (0, "What is the capital of Australia?"),
        (1, "Give a short overview of the history of the Roman Empire's fall."),
        (
            2,
            "Analyse how the Treaty of Versailles contributed to the rise of extremism in interwar Germany, weighing economic, political and cultural factors, with dates.",
        ),
        (0, "What religion is practised by most people in Thailand?"),
        (1, "Explain the basic idea of Plato's allegory of the cave."),
        (
            2,
            "Critically assess the claim that the printing press caused the Protestant Reformation, distinguishing necessary from sufficient causes.",
        ),
        (0, "Who painted the Mona Lisa?"),
    ],
    "extraction": [
        (0, "Extract the email address from: 'Contact us at help@example.com for support.'"),
        (
            1,
            "From the text 'Order #4521 shipped on 3 May to Lisbon, 2 items, total 48.90 EUR', extract order id, date, city, item count and total as JSON.",
        ),
        (1, "Convert this list to CSV with columns name,age: Anna 31, Ben 25, Chloe 40."),
        (0, "Classify the sentiment of: 'The food was cold and the waiter was rude.'"),
        (
            2,
            "Parse the following log lines and return a JSON array of objects with timestamp (ISO 8601), level, service and message, skipping malformed lines:\n2026-01-03 10:01:22 ERROR auth: token expired\nbad line here\n2026-01-03 10:01:25 WARN cache miss rate 40%\n03/01/2026 10:02 INFO api: started",
        ),
        (
            1,
            "List all the dates mentioned in: 'We met on 4 July 2019, married on 12 June 2021 and moved on 1 March 2023.'",
        ),
        (
            2,
            'Given this JSON schema {"type":"object","properties":{"name":{"type":"string"},"tags":{"type":"array","items":{"type":"string"},"maxItems":3},"price":{"type":"number","minimum":0}},"required":["name","price"]}, extract a valid object from: \'The Deluxe Kettle, tagged kitchen, gift, steel and sale, costs 39 dollars.\' Explain any field you had to drop.',
        ),
        (0, "What is the phone number in: 'Call 555-0142 after 5pm'?"),
        (1, "Turn this into a markdown table: apples 3 dollars, pears 2 dollars, plums 4 dollars."),
        (
            2,
            "Extract every obligation of the tenant from this clause into a numbered list, each with its deadline and the penalty if any: 'The Tenant shall pay rent by the 5th of each month, failing which a fee of 5% applies; shall notify the Landlord in writing of any damage within 7 days; and shall not sublet without prior written consent, breach of which terminates this lease.'",
        ),
        (0, "Pull out the names of the people in: 'Maria and Tom met Priya at the station.'"),
        (
            1,
            "Classify these support tickets into billing, technical or other: 'I was charged twice', 'The app crashes on login', 'Do you have a office in Berlin?'",
        ),
        (
            2,
            "Convert this YAML to equivalent JSON and point out any value whose type changes under YAML 1.1 rules:\ncountry: NO\nversion: 1.10\nenabled: yes\nport: 0800",
        ),
        (0, "Extract the hashtags from: 'Loving the sun #summer #beach'"),
        (
            1,
            "Summarize the following text in one sentence: 'The council approved the new bike lanes after a two-hour debate. Construction starts in June and will take four months.'",
        ),
    ],
    "stem": [
        (0, "What is the chemical symbol for gold?"),
        (0, "How many planets are in the solar system?"),
        (1, "Explain how vaccines train the immune system, in simple terms."),
        (1, "What is the difference between mitosis and meiosis?"),
        (
            2,
            "Derive the escape velocity from Earth's surface from energy conservation and compute it numerically, stating every constant you use.",
        ),
        (
            2,
            "Explain why the Carnot efficiency is an upper bound for any heat engine, with a short argument from the second law.",
        ),
        (1, "Why does ice float on water?"),
        (0, "What gas do plants absorb from the air?"),
        (
            2,
            "A drug has first-order elimination with a half-life of 6 hours. If 400 mg is given every 8 hours, what is the steady-state peak and trough concentration ratio? Show the derivation.",
        ),
        (1, "How does a transistor work as a switch?"),
        (
            2,
            "Explain quantum entanglement and why it does not allow faster-than-light communication, referring to the no-signalling theorem.",
        ),
        (0, "What is the boiling point of water in Celsius at sea level?"),
        (1, "What does DNA polymerase do?"),
        (
            2,
            "Design an experiment to test whether a new fertiliser increases crop yield, including controls, randomisation, sample size reasoning and the statistical test you would use.",
        ),
        (1, "Explain Ohm's law with an example."),
    ],
    "reasoning": [
        (0, "If it is raining, should I take an umbrella?"),
        (1, "Which is heavier, a kilogram of feathers or a kilogram of steel? Explain."),
        (
            2,
            "Three boxes are labelled apples, oranges and mixed, and every label is wrong. You may draw one fruit from one box. How do you relabel all boxes correctly? Explain step by step.",
        ),
        (
            2,
            "Alice is older than Bob. Carol is younger than Dave but older than Alice. Eve is the youngest. Bob is older than Eve. Order everyone from oldest to youngest and justify each step.",
        ),
        (1, "Compare renting and buying a home for someone who may move in three years."),
        (
            3,
            "A game: two players alternately remove 1, 3 or 4 coins from a pile of 30; whoever takes the last coin wins. Who wins with perfect play and what is the strategy? Prove it.",
        ),
        (
            2,
            "Evaluate this argument and name the fallacy: 'Every time I wash my car it rains, so washing my car causes rain.'",
        ),
        (1, "Should a small shop accept card payments? Give pros and cons."),
        (
            3,
            "Design a strategy for a 100-prisoner hat puzzle where each prisoner sees the hats in front and guesses their own colour (red or blue) aloud in turn from the back; maximise guaranteed survivors and prove your strategy is optimal.",
        ),
        (
            2,
            "A bat and a ball cost 1.10 in total. The bat costs 1.00 more than the ball. How much does the ball cost? Explain why the intuitive answer is wrong.",
        ),
        (0, "Is it a good idea to wear a coat when it's snowing?"),
        (
            2,
            "Analyse the trade-offs of a four-day work week for a hospital versus a software company.",
        ),
        (
            3,
            "Knights always tell the truth and knaves always lie. A says 'B is a knave'. B says 'A and C are of the same type'. C says nothing. Determine what each can be, considering every case.",
        ),
        (1, "Why might a company choose to lower prices during a recession?"),
        (
            3,
            "There are 12 coins, one counterfeit that is heavier or lighter. With a balance scale and three weighings, find the counterfeit and whether it is heavier or lighter. Give the full decision tree.",
        ),
    ],
    "math": [
        (0, "What is 12 + 7?"),
        (0, "What is 15% of 200?"),
        (1, "Solve for x: 3x + 5 = 20."),
        (1, "A train travels 180 km in 2.5 hours. What is its average speed?"),
        (2, "Find all real solutions of x^4 - 5x^2 + 4 = 0 and verify them."),
        (
            3,
            "Prove that the square root of 2 is irrational, then generalise the proof to the square root of any non-square integer.",
        ),
        (
            2,
            "What is the probability of getting at least two heads in five fair coin tosses? Show the calculation.",
        ),
        (3, "Prove there are infinitely many primes of the form 4k + 3."),
        (1, "Convert 3/8 to a decimal and a percentage."),
        (2, "Compute the integral of x * e^(2x) dx and check it by differentiation."),
        (3, "Let a_1 = 1 and a_{n+1} = a_n + 1/a_n. Prove that a_100 is between 14 and 18."),
        (0, "How many minutes are in three hours?"),
        (
            2,
            "A rectangle's length is twice its width and its diagonal is 10 cm. Find its area exactly.",
        ),
        (
            3,
            "Find the number of integer solutions of x + y + z = 20 with 0 <= x, y, z <= 9, and explain the inclusion-exclusion step.",
        ),
        (1, "If a shirt costs 40 dollars after a 20% discount, what was the original price?"),
    ],
    "code": [
        (0, "How do I print hello world in Python?"),
        (0, "What does the len function do in Python?"),
        (1, "Write a Python function that reverses a string."),
        (1, "Write a SQL query that returns the 5 most recent orders from an orders table."),
        (
            2,
            "Write a Python function that merges overlapping intervals, with type hints and tests for edge cases (empty input, nested intervals, touching endpoints).",
        ),
        (
            3,
            "Implement a lock-free single-producer single-consumer ring buffer in Rust, explain the memory orderings you chose, and show why it is free of data races.",
        ),
        (
            2,
            "Here is a bug: my JavaScript loop `for (var i = 0; i < 3; i++) { setTimeout(() => console.log(i), 0) }` prints 3 three times. Explain why and give two fixes.",
        ),
        (
            3,
            "Prove there are infinitely many twin primes or explain why it is open; then write a Rust segmented sieve with SIMD and analyse it.",
        ),
        (1, "Write a bash one-liner that counts the lines in all .txt files in a folder."),
        (
            2,
            "Refactor this Python to be testable and explain the design: a function that reads config.json, calls an HTTP API with the token inside, and writes the result to a database.",
        ),
        (
            3,
            "Design and implement in Python an LRU cache with O(1) get and put and per-entry TTL expiry, thread-safe, and analyse the complexity of each operation.",
        ),
        (0, "What is the difference between a list and a tuple in Python?"),
        (
            2,
            "Write a regex that validates IPv4 addresses (0-255 in each octet, no leading zeros) and explain each part.",
        ),
        (
            3,
            "Given a Kubernetes deployment whose pods are OOM-killed only under load, write a step-by-step debugging plan with the kubectl commands and the likely root causes in a JVM service.",
        ),
        (1, "Write a JavaScript function that checks whether a number is even."),
    ],
}
# The second set, written afterwards for the weakness of the first: there the harder prompts are
# also the longer ones, so prompt length alone ranked it as well as the router did. Here every
# category has long, chatty requests that any model answers well and short ones that ask for
# real work (a strict verse form, a proof, a concurrent data structure), as real traffic does.
P2 = {
    "writing": [
        (
            0,
            "I'm organising a small picnic for my book club next Sunday in the park near the library. We are eight people, two are vegetarian, and we'd like to keep it simple and cheap. Write a short, friendly invitation message I can paste in our group chat.",
        ),
        (
            1,
            "Our team is moving from the third floor to the fifth floor of the same building on Monday. People need to pack their desks by Friday evening, label boxes with their name, and leave monitors in place because facilities will move them. Write a clear announcement email for the team.",
        ),
        (
            0,
            "My grandmother turns ninety this weekend. She loves gardening, old jazz records and her three cats, and she still makes the best apple pie in the family. Write a warm toast of four or five sentences I can read at her party.",
        ),
        (
            1,
            "Write a travel blog paragraph about a rainy weekend in Edinburgh: we walked the Royal Mile, hid in a tiny bookshop, ate too many scones, and climbed Arthur's Seat when the sun finally came out.",
        ),
        (
            0,
            "Please rewrite the following paragraph so it reads more smoothly, keeping the meaning: 'The meeting was long. It was about the budget. Many people spoke. Nobody agreed on the marketing spend. We will meet again next week to decide.'",
        ),
        (2, "Write a villanelle about insomnia."),
        (2, "Write a 26-line poem whose lines start with A to Z in order."),
        (2, "Write a six-word story that is also a palindrome."),
        (2, "Write a paragraph about the sea without using the letter e."),
        (1, "Write an acrostic poem for the word GARDEN."),
    ],
    "roleplay": [
        (
            0,
            "You are the friendly host of a cooking show for kids. Today's episode is about making fruit salad with bananas, strawberries and apples. Introduce the episode and tell the kids what they will need, in a cheerful voice.",
        ),
        (
            1,
            "Pretend you are a travel agent in Lisbon. A couple in their sixties wants a relaxed three-day visit with good food, not too much walking, and one day trip outside the city. Greet them and suggest a plan.",
        ),
        (
            0,
            "Act as my kind neighbour who has lived on our street for thirty years. I just moved in and I don't know where the nearest supermarket, pharmacy or bus stop is. Welcome me and tell me a bit about the neighbourhood.",
        ),
        (
            1,
            "You are a museum guide at a natural history museum, standing in front of a Tyrannosaurus skeleton with a school group of ten-year-olds. Describe the skeleton and answer the question 'was it the biggest dinosaur?'",
        ),
        (
            0,
            "Roleplay as a calm flight attendant: the plane is delayed on the runway for 20 minutes because of traffic and the passengers are restless. Make the announcement.",
        ),
        (2, "Act as a chess coach: after 1. e4 e5 2. Nf3 Nc6 3. Bc4 Nd4, what should White play?"),
        (2, "Be a Socratic tutor and lead me to see why 0.999... equals 1."),
        (1, "Pretend you're a Linux terminal. I type: ls -la /etc | grep passwd | wc -l"),
        (
            2,
            "Be my dungeon master: track my HP (20) and inventory each turn. I drink a potion and attack the goblin.",
        ),
        (2, "Act as a cryptographer and break this cipher: 'Wkh txlfn eurzq ira'."),
    ],
    "humanities": [
        (
            1,
            "I'm visiting Kyoto for the first time next spring and I've read a lot about temples, tea houses and the old geisha district. Can you tell me a little about the history of the city and why it was the capital of Japan for so long?",
        ),
        (
            0,
            "My daughter is doing a school project on ancient Egypt and she asked me why the pharaohs built pyramids. I'd like a simple explanation I can share with a nine-year-old, covering what the pyramids were for and how long they took to build.",
        ),
        (
            1,
            "Our reading group just finished George Orwell's Animal Farm. We talked about the pigs, the windmill and the changing commandments on the barn wall. What are the main historical events the book is based on?",
        ),
        (
            1,
            "In the news there's a lot of talk about inflation, interest rates and central banks. In plain words, what does a central bank actually do, and why would it raise interest rates?",
        ),
        (
            0,
            "I'm writing a short biography card for a museum exhibit about Marie Curie. Give me five key facts about her life, each in one sentence.",
        ),
        (2, "Did Kant think lying to a murderer at the door is permissible? Assess his argument."),
        (
            2,
            "Reconstruct Gettier's counterexample to justified true belief and evaluate one reply.",
        ),
        (1, "Date the Peace of Westphalia and explain why it matters for sovereignty."),
        (2, "Is Parfit's repugnant conclusion avoidable? Argue."),
        (1, "Why did the Late Bronze Age collapse happen?"),
    ],
    "extraction": [
        (
            0,
            "Here is a note from my son's school: 'Dear parents, the school trip to the science museum will take place on Thursday 14 March. Buses leave at 8:30 and return at 15:00. Please send a packed lunch and 5 euros for the gift shop.' What time do the buses leave?",
        ),
        (
            0,
            "From this restaurant review, tell me if the reviewer liked the place: 'We came for my birthday and everything was lovely. The pasta was fresh, the staff remembered our names, and the tiramisu was the best I've had in years. A bit noisy on Friday night but we will be back.'",
        ),
        (
            1,
            "Below is our office supplies order. Put it into a table with columns item, quantity and unit price: 12 blue pens at 0.80 each, 5 staplers at 6.50 each, 20 notebooks at 2.10 each, 3 packs of whiteboard markers at 4.00 each.",
        ),
        (
            0,
            "Read this and tell me the name of the new manager: 'Starting next month, Julia Fernandes will lead the customer support team, taking over from Mark Owens who is moving to the sales department. Julia has been with the company for six years.'",
        ),
        (
            1,
            "Pull out every city and the date of its concert from this tour announcement: 'The band plays Oslo on 2 May, Berlin on 5 May, Prague on 8 May and finishes in Vienna on 11 May, with a bonus show in Milan on 14 May.' Return them as a list.",
        ),
        (
            2,
            "Extract the IPv6 addresses from 'fe80::1%eth0, 2001:db8::ff00:42:8329, ::1, 1200::AB00:1234::2552:7777:1313' and flag invalid ones.",
        ),
        (
            2,
            "Give a JSON Schema for an array of users with unique emails, a role enum and an optional nested address.",
        ),
        (2, "Normalise to ISO 8601: 03/04/05, 4th of July '99, 2024-W07-3."),
        (
            2,
            "Turn 'twelve thousand four hundred and six point oh five' into digits, then into French words.",
        ),
        (1, "Parse 'Mon-Fri 9-17, Sat 10-14' into JSON opening hours."),
    ],
    "stem": [
        (
            0,
            "My kids asked me why the sky is blue during the day but turns orange and red at sunset, and I honestly couldn't remember the science from school. Can you explain it simply so I can tell them at dinner?",
        ),
        (
            1,
            "I've started running three times a week and I keep hearing about aerobic and anaerobic exercise, lactic acid and VO2 max. Can you explain what these mean and how they relate to each other in plain language?",
        ),
        (
            1,
            "I'm growing tomatoes on my balcony for the first time. The leaves at the bottom are turning yellow even though I water them every day. What could be causing it, and what should I try?",
        ),
        (
            0,
            "For a science fair poster about the water cycle, list the main stages (evaporation, condensation and so on) with a one-sentence description of each.",
        ),
        (
            1,
            "My electricity bill shows I used 320 kWh last month. What does a kilowatt-hour actually mean, and roughly how much of that would a fridge use?",
        ),
        (2, "Why is the Hubble tension a problem for Lambda-CDM?"),
        (3, "Estimate helium's ground-state energy with a variational trial wavefunction."),
        (2, "Derive the Michaelis-Menten equation."),
        (2, "Why do Cooper pairs form despite electron repulsion?"),
        (2, "Estimate the Reynolds number of a swimming bacterium."),
    ],
    "reasoning": [
        (
            0,
            "My friend and I are planning dinner. She doesn't eat meat, I don't like spicy food, and we both want somewhere close to the station. There's a steakhouse, a mild vegetarian Italian place near the station, and a spicy Thai curry house. Which one should we choose?",
        ),
        (
            1,
            "I have a meeting at 10:00 that lasts an hour, lunch at 12:30, and a dentist appointment at 15:00 that takes 45 minutes. I need a two-hour block for focused work. When could I fit it in today if I start at 9:00 and finish at 18:00?",
        ),
        (
            0,
            "It's been cloudy all morning, the forecast says 80% chance of rain this afternoon, and I'm going for a two-hour walk after lunch. Should I bring a raincoat? Just a quick answer please.",
        ),
        (
            1,
            "Our family has a cat who hates loud noises and a dog who needs a walk twice a day, and we're going on holiday for a week. Would it be better to hire a pet sitter who comes to the house or to send both to a kennel? Give me the main considerations.",
        ),
        (
            0,
            "Tom is taller than his sister Anna, and Anna is taller than their little cousin Ben. Who is the shortest of the three?",
        ),
        (2, "How many times do a clock's hands overlap in 24 hours?"),
        (2, "Monty Hall with four doors, and the host opens two goat doors: should you switch?"),
        (
            2,
            "A snail climbs 3 m by day and slips 2 m by night in a 10 m well. On which day does it get out?",
        ),
        (3, "Five pirates split 100 coins by a seniority vote. What does the eldest propose?"),
        (2, "All bloops are razzies and some razzies are lazzies. Must some bloops be lazzies?"),
    ],
    "math": [
        (
            0,
            "I'm baking for a party and the recipe makes 12 cupcakes using 2 cups of flour, but I need 36 cupcakes. How many cups of flour should I use?",
        ),
        (
            1,
            "We're splitting the bill at a restaurant: the total is 84 dollars, we want to add a 15% tip, and there are four of us paying equally. How much does each person pay?",
        ),
        (
            0,
            "My phone battery shows 60% and it drops about 10% every hour when I'm using maps. Roughly how many hours do I have before it reaches 20%?",
        ),
        (
            1,
            "A garden is shaped like a rectangle 12 metres long and 8 metres wide. I want to put a fence all the way around it and the fencing costs 15 dollars per metre. What's the total cost?",
        ),
        (
            0,
            "I save 250 dollars every month and I already have 1,200 dollars. How many months until I have at least 5,000 dollars?",
        ),
        (2, "Sum 1/(n(n+1)(n+2)) over n >= 1."),
        (2, "Prove 2^n > n^3 for all n >= 10."),
        (2, "How many 5-card poker hands have exactly two pairs?"),
        (2, "Find the last two digits of 7^2026."),
        (3, "Is 2^61 - 1 prime? Justify it."),
    ],
    "code": [
        (
            0,
            "I'm learning Python and I have a list of my favourite fruits: apples, bananas and cherries. How do I write a loop that prints each one on its own line? Please keep the explanation simple, I'm a beginner.",
        ),
        (
            1,
            "I have an HTML page with a button that says 'Click me'. When someone clicks it, I want an alert box to pop up saying 'Thanks!'. What JavaScript do I need to add?",
        ),
        (
            0,
            "In Excel I have a column of prices in column B from row 2 to row 50, and I want the total at the bottom. Which formula do I type?",
        ),
        (
            1,
            "I'm writing a small Python script to rename all the .jpg files in a folder by adding today's date in front of the name, like 2026-01-05_photo.jpg. Can you show me how?",
        ),
        (
            0,
            "What's the git command to see which files I've changed since my last commit? I'm working on a small personal project.",
        ),
        (3, "Implement a persistent red-black tree in Haskell."),
        (3, "Write a lock-free MPMC queue in C++ with hazard pointers."),
        (
            2,
            "Why does asyncio.gather over 10k coroutines hang my aiohttp client, and how do I fix it?",
        ),
        (2, "SQL: median salary per department without window functions."),
        (3, "Write a regex engine with *, | and parentheses in 50 lines of Python."),
    ],
}


def write(path: Path, prompts: dict[str, list[tuple[int, str]]]) -> int:
    with path.open("w") as fh:
        for cat, items in prompts.items():
            for level, prompt in items:
                fh.write(
                    json.dumps(
                        {
                            "prompt": prompt,
                            "category": cat,
                            "gain_level": level,
                            "weak": 9.0 - 2.0 * level,
                            "strong": 9.0,
                        }
                    )
                    + "\n"
                )
    return sum(len(v) for v in prompts.values())


print(write(OUT, P), write(OUT.with_name("chat-balanced.jsonl"), P2))
